package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCompleteCode(t *testing.T) {
	for _, c := range []struct {
		line, want string
		choices    bool
	}{
		{"7-abac", "7-abacus-", false},             // one word: completed, with the dash to the next
		{"7-ABAC", "7-abacus-", false},             // typed in capitals
		{"7-abacus-abid", "7-abacus-abide", false}, // the last word of a default code: no dash
		{"7-zzzz", "7-zzzz", false},                // no such word: unchanged
		{"7", "7", false},                          // the number is not completed
		{"7-ab", "7-ab", true},                     // several, no common letters to add: listed
	} {
		got, pos, choices := completeCode(c.line, len(c.line))
		if got != c.want || pos != len(got) || (len(choices) > 0) != c.choices {
			t.Errorf("complete %q = %q (cursor %d, choices %v), want %q with choices %v", c.line, got, pos, choices, c.want, c.choices)
		}
	}
	if _, _, choices := completeCode("7-a", 3); len(choices) != maxChoices+1 || !strings.Contains(choices[maxChoices], "words") {
		t.Errorf("choices for 7-a: %v; want %d and a count of the rest", choices, maxChoices)
	}
}

// TestPromptCode: the typed code, with Tab completing its words; Ctrl-C is
// an interruption (exit 130), an empty answer a usage error (exit 2).
func TestPromptCode(t *testing.T) {
	for _, c := range []struct {
		typed, want string
		kind        string
	}{
		{"7-abac\tabid\t\r", "7-abacus-abide", ""},
		{"  42-alpha-bravo \r", "42-alpha-bravo", ""},
		{"7-ab\x03", "", "interrupted"},
		{"\r", "", "usage"},
	} {
		ios, in, _, errOut := Test()
		in.WriteString(c.typed)
		got, err := promptCode(context.Background(), ios)
		kind, _ := classify(context.Background(), err)
		if got != c.want || kind != c.kind {
			t.Errorf("typed %q: code %q, error %v (%s); want %q, kind %q", c.typed, got, err, kind, c.want, c.kind)
		}
		if !strings.Contains(errOut.String(), "Enter the code") {
			t.Errorf("typed %q: prompt %q", c.typed, errOut.String())
		}
	}
	if _, err := promptCode(context.Background(), &IOStreams{In: strings.NewReader("7-x"), ErrOut: &strings.Builder{}, raw: func() (func(), error) { return nil, errors.New("not a tty") }}); err == nil {
		t.Error("no error when the terminal cannot be put in raw mode")
	}
}
