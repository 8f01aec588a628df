package rendezvous

import (
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

//go:embed words.txt
var wordsFile string

// Words is the list codes are drawn from (see words.md for its origin and license).
var Words = strings.Fields(wordsFile)

// DefaultWords is how many words a generated code has: ≈ 22.9 bits of password.
const DefaultWords = 2

// maxSlotDigits bounds the slot part of a code.
const maxSlotDigits = 6

// ErrBadCode: a code that does not have the form <number>-<word>[-<word>...].
var ErrBadCode = errors.New("malformed code")

// Code is a parsed transfer code.
type Code struct {
	Slot  string   // decimal slot number without leading zeros
	Words []string // lowercase words: the password
}

// String returns the code as users type it: "7-apple-river".
func (c Code) String() string {
	return c.Slot + "-" + strings.Join(c.Words, "-")
}

// Password is the secret part of the code, the input to the PAKE.
func (c Code) Password() []byte {
	return []byte(strings.Join(c.Words, "-"))
}

// ParseCode reads a code such as "7-apple-river". Case and surrounding space do
// not matter, and spaces may stand for dashes.
func ParseCode(s string) (Code, error) {
	fields := strings.FieldsFunc(strings.ToLower(strings.TrimSpace(s)), func(r rune) bool {
		return r == '-' || r == ' ' || r == '\t'
	})
	if len(fields) < 2 {
		return Code{}, fmt.Errorf("%w %s: a code looks like 7-apple-river (a number, then words, joined by dashes)", ErrBadCode, strconv.Quote(s))
	}
	slot, err := parseSlot(fields[0])
	if err != nil {
		return Code{}, fmt.Errorf("%w %s: %w; a code looks like 7-apple-river", ErrBadCode, strconv.Quote(s), err)
	}
	for _, w := range fields[1:] {
		for _, r := range w {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				return Code{}, fmt.Errorf("%w %s: words must not contain control characters; a code looks like 7-apple-river", ErrBadCode, strconv.Quote(s))
			}
		}
	}
	return Code{Slot: slot, Words: fields[1:]}, nil
}

func parseSlot(s string) (string, error) {
	if len(s) > maxSlotDigits {
		return "", fmt.Errorf("the number at its start has more than %d digits", maxSlotDigits)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return "", errors.New("it must start with a positive number")
	}
	return strconv.FormatUint(n, 10), nil
}

// NewCode draws n words from Words with crypto/rand for the given slot.
func NewCode(slot string, n int) (Code, error) {
	if n < 1 {
		return Code{}, fmt.Errorf("new code: need at least one word, got %d", n)
	}
	words := make([]string, n)
	max := big.NewInt(int64(len(Words)))
	for i := range words {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return Code{}, fmt.Errorf("new code: %w", err)
		}
		words[i] = Words[k.Int64()]
	}
	return Code{Slot: slot, Words: words}, nil
}
