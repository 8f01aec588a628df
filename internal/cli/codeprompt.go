package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"

	"github.com/ferry-dev/ferry/rendezvous"
)

// promptCode asks for the code on the terminal, as magic-wormhole does: Tab
// completes the word being typed from the code word list (and lists the
// candidates when there are several). Ctrl-C is an interruption; Ctrl-D or
// an empty line leave the code unknown.
func promptCode(ctx context.Context, ios *IOStreams) (string, error) {
	restore, err := ios.rawMode()
	if err != nil {
		return "", fmt.Errorf("read the code from the terminal: %w", err)
	}
	defer restore()
	in := &ctrlCReader{r: ios.In}
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{in, ios.ErrOut}, "Enter the code the sender printed (Tab completes words): ")
	t.AutoCompleteCallback = func(line string, pos int, key rune) (string, int, bool) {
		if key != '\t' {
			return "", 0, false
		}
		newLine, newPos, choices := completeCode(line, pos)
		if len(choices) > 0 {
			fmt.Fprintf(t, "%s\n", strings.Join(choices, "  "))
		}
		return newLine, newPos, true
	}
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := t.ReadLine()
		done <- result{line, err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-done:
		code := strings.TrimSpace(r.line)
		switch {
		case in.sawCtrlC:
			return "", fmt.Errorf("reading the code: %w", context.Canceled)
		case code == "" || errors.Is(r.err, io.EOF):
			return "", usageError{errors.New("no code: type the code the sender printed, e.g. 7-apple-river")}
		case r.err != nil:
			return "", fmt.Errorf("read the code from the terminal: %w", r.err)
		}
		return code, nil
	}
}

// ctrlCReader notes a Ctrl-C typed in raw mode, where it is only a byte
// (term.Terminal reads it as the end of input, like Ctrl-D).
type ctrlCReader struct {
	r        io.Reader
	sawCtrlC bool
}

func (c *ctrlCReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if strings.IndexByte(string(p[:n]), 3) >= 0 {
		c.sawCtrlC = true
	}
	return n, err
}

// maxChoices is how many candidates Tab lists at most.
const maxChoices = 12

// completeCode completes the word before pos in a code being typed
// ("7-app" -> "7-apple-"): a single candidate is completed (with the dash
// that follows it, unless it is the last word of a default code), several
// are completed as far as they agree, and listed when that adds nothing.
// The number before the first dash is not completed.
func completeCode(line string, pos int) (newLine string, newPos int, choices []string) {
	head, tail := line[:pos], line[pos:]
	dash := strings.LastIndexByte(head, '-')
	if dash < 0 {
		return line, pos, nil
	}
	prefix := strings.ToLower(head[dash+1:])
	var matches []string
	for _, w := range rendezvous.Words {
		if strings.HasPrefix(w, prefix) {
			matches = append(matches, w)
		}
	}
	if len(matches) == 0 {
		return line, pos, nil
	}
	add := commonPrefix(matches)[len(prefix):]
	if len(matches) == 1 && strings.Count(head, "-") < rendezvous.DefaultWords && !strings.HasPrefix(tail, "-") {
		add += "-"
	}
	if add == "" && len(matches) > 1 {
		choices = matches
		if len(choices) > maxChoices {
			choices = append(choices[:maxChoices:maxChoices], fmt.Sprintf("… (%d words)", len(matches)))
		}
	}
	return head[:dash+1] + prefix + add + tail, dash + 1 + len(prefix) + len(add), choices
}

func commonPrefix(words []string) string {
	p := words[0]
	for _, w := range words[1:] {
		for !strings.HasPrefix(w, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}
