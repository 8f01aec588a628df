package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// bashCompletion is where Debian's bash-completion package keeps the
// functions completion scripts build on (.ci/run installs it).
const bashCompletion = "/usr/share/bash-completion/bash_completion"

// TestBashCompletion loads `ferry completion bash` into a real bash, as a
// user's .bashrc would, and asks it to complete: `ferry rec<TAB>` gives
// receive, `ferry receive --ov<TAB>` gives --overwrite.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to load the completion script")
	}
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Fatalf("needs Debian's bash-completion package (apt-get install bash-completion, as .ci/run does): %v", err)
	}
	for _, c := range []struct {
		line string
		want string
	}{
		{"ferry rec", "receive"},
		{"ferry receive --ov", "--overwrite"},
		{"ferry send --adv", "--advertise"},
	} {
		words := strings.Fields(c.line)
		script := `source ` + bashCompletion + `
source <(ferry completion bash)
COMP_WORDS=(` + c.line + `)
COMP_CWORD=` + strconv.Itoa(len(words)-1) + `
COMP_LINE="` + c.line + `"
COMP_POINT=${#COMP_LINE}
__start_ferry ferry "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin.ferry)+string(os.PathListSeparator)+os.Getenv("PATH"))
		// stdout: the completions; stderr: bash's note that compopt runs
		// outside an interactive completion.
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%q: bash: %v\n%s", c.line, err, out)
		}
		got := strings.Fields(string(out))
		if len(got) == 0 || !strings.HasPrefix(got[0], c.want) {
			t.Errorf("completing %q gave %q, want %s", c.line, out, c.want)
		}
	}
}
