package rendezvous

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseCode(t *testing.T) {
	for in, want := range map[string]string{
		"7-apple-river":     "7-apple-river",
		"  7-Apple-RIVER\n": "7-apple-river",
		"007 apple river":   "7-apple-river",
		"42-alpha-bravo":    "42-alpha-bravo",
		"3-onlyoneword":     "3-onlyoneword",
	} {
		c, err := ParseCode(in)
		if err != nil {
			t.Errorf("ParseCode(%q): %v", in, err)
			continue
		}
		if c.String() != want {
			t.Errorf("ParseCode(%q) = %q, want %q", in, c.String(), want)
		}
	}
}

func TestParseCodeRejects(t *testing.T) {
	for _, in := range []string{"", "7", "apple-river", "0-apple", "1234567-apple", "x7-apple", "7-app\x1ble"} {
		_, err := ParseCode(in)
		if !errors.Is(err, ErrBadCode) {
			t.Errorf("ParseCode(%q) = %v, want ErrBadCode", in, err)
			continue
		}
		if !strings.Contains(err.Error(), "7-apple-river") {
			t.Errorf("ParseCode(%q) error does not say what a code looks like: %v", in, err)
		}
	}
}

func TestNewCodeEntropy(t *testing.T) {
	if bits := DefaultWords * math.Log2(float64(len(Words))); bits < 16 {
		t.Fatalf("default code has %.1f bits of password, want at least 16", bits)
	}
	seen := map[string]bool{}
	for _, w := range Words {
		if seen[w] {
			t.Fatalf("duplicate word %q", w)
		}
		seen[w] = true
		if strings.ContainsAny(w, "- \t") {
			t.Fatalf("word %q contains a separator", w)
		}
	}
	c, err := NewCode("7", 3)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCode(c.String())
	if err != nil || back.String() != c.String() {
		t.Fatalf("generated code %q does not parse back: %v", c, err)
	}
	if string(back.Password()) != strings.Join(c.Words, "-") {
		t.Fatalf("password mismatch")
	}
}
