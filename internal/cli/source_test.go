package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/transfer"
)

// TestTextFromStdinOverTheLimit: a text on standard input longer than the
// limit is refused as longer, without a size ferry never read (it reads one
// byte past the limit, not the whole input).
func TestTextFromStdinOverTheLimit(t *testing.T) {
	ios, in, _, _ := Test()
	in.Write(bytes.Repeat([]byte("x"), 3*transfer.MaxTextSize))
	_, _, err := source(&SendOptions{IO: ios, Text: "-", TextSet: true})
	if err == nil || !strings.Contains(err.Error(), "longer than the limit of 1.0 MiB") || !strings.Contains(err.Error(), "as a file") {
		t.Fatalf("error %v, want it to say the text is longer than the limit and to send a file", err)
	}
	if strings.Contains(err.Error(), "1,048,577") {
		t.Errorf("error %q gives a size ferry never read", err)
	}
}
