package cli

import (
	"context"
	"strings"
	"testing"
)

// TestHelpAndCompletionOnStdout: help and shell completion go to stdout, so
// that `ferry --help | less` shows them and a loaded completion script gets
// its answers (they went to stderr: completion completed nothing).
func TestHelpAndCompletionOnStdout(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // on stdout
	}{
		{[]string{"--help"}, []string{"Usage:", "send", "receive"}},
		{[]string{"send", "--help"}, []string{"Usage:", "--server", "--code"}},
		{[]string{"completion", "bash"}, []string{"bash completion", "__start_ferry"}},
		{[]string{"completion", "zsh"}, []string{"#compdef ferry"}},
		{[]string{"completion", "fish"}, []string{"complete -c ferry"}},
		{[]string{"__complete", "rec"}, []string{"receive"}},
		{[]string{"__complete", "send", "--ser"}, []string{"--server"}},
		{[]string{"__complete", "receive", "--ov"}, []string{"--overwrite"}},
	} {
		ios, _, out, errOut := Test()
		if code := Main(context.Background(), tc.args, ios); code != ExitOK {
			t.Errorf("ferry %s: exit %d; stderr:\n%s", strings.Join(tc.args, " "), code, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("ferry %s: stdout lacks %q:\n%.400s\nstderr:\n%.400s", strings.Join(tc.args, " "), w, out, errOut)
			}
		}
	}
}
