package cli

import (
	"fmt"
	"io"
	"strings"

	"rsc.io/qr"
)

// qrQuietZone is the light border around the code, in modules: the four the
// QR standard asks for, so that a phone's camera finds the code on any
// background.
const qrQuietZone = 4

// writeQR draws text as a QR code with block characters, two rows of modules
// per line of text. The light modules are drawn and the dark ones left to
// the terminal's background, as the phone sees the code on a dark terminal
// (most are); on a light one it sees the code inverted, which common
// scanners read too. Level L (7% redundancy): a screen is not a scuffed
// label, and the lower level keeps the code small.
func writeQR(w io.Writer, text string) error {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return fmt.Errorf("making the QR code: %w", err)
	}
	size := code.Size + 2*qrQuietZone
	light := func(x, y int) bool {
		x, y = x-qrQuietZone, y-qrQuietZone
		if x < 0 || y < 0 || x >= code.Size || y >= code.Size {
			return true
		}
		return !code.Black(x, y)
	}
	var b strings.Builder
	for y := 0; y < size; y += 2 {
		for x := range size {
			top, bottom := light(x, y), y+1 < size && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}
