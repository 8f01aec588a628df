// Package qrscan reads back a QR code that `ferry send --qr` drew with block
// characters, as a phone's camera would see it on a dark terminal: the tests'
// check that the code scans. Nothing outside tests uses it.
package qrscan

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// blocks maps each character to whether its top and bottom halves are lit.
var blocks = map[rune][2]bool{'█': {true, true}, '▀': {true, false}, '▄': {false, true}, ' ': {false, false}}

// Find returns the lines of text that form the first QR drawing in text:
// the first run of lines made only of block characters.
func Find(text string) []string {
	var lines []string
	for l := range strings.Lines(text) {
		l = strings.TrimRight(l, "\n")
		drawn := strings.TrimSpace(l) != "" && strings.Trim(l, "█▀▄ ") == ""
		switch {
		case drawn:
			lines = append(lines, l)
		case len(lines) > 0:
			return lines
		}
	}
	return lines
}

// Decode reads the text of the QR code drawn in lines: lit halves are the
// light modules, the rest the dark background, which also surrounds the
// drawing; the reader finds the code as a camera's would, by its finder
// patterns.
func Decode(lines []string) (string, error) {
	if len(lines) == 0 {
		return "", errors.New("qrscan: no QR code drawn")
	}
	const (
		scale  = 4         // pixels per module
		margin = 8 * scale // the terminal's dark background around the drawing
	)
	width := len([]rune(lines[0]))
	img := image.NewGray(image.Rect(0, 0, width*scale+2*margin, 2*len(lines)*scale+2*margin))
	for y, l := range lines {
		for x, r := range []rune(l) {
			halves, ok := blocks[r]
			if !ok {
				return "", fmt.Errorf("qrscan: %q is not a block character (line %d)", r, y+1)
			}
			for h, lit := range halves {
				c := color.Gray{}
				if lit {
					c.Y = 255
				}
				for dy := range scale {
					for dx := range scale {
						img.SetGray(margin+x*scale+dx, margin+(2*y+h)*scale+dy, c)
					}
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("qrscan: %w", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", fmt.Errorf("qrscan: the drawing does not scan: %w", err)
	}
	return res.GetText(), nil
}
