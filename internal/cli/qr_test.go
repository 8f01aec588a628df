package cli

import (
	"strings"
	"testing"

	"github.com/ferry-dev/ferry"
	"github.com/ferry-dev/ferry/internal/qrscan"
)

// TestQRScans: what writeQR draws reads back as the address, for addresses of
// the lengths ferry prints (a LAN address, a long host name, IPv6).
func TestQRScans(t *testing.T) {
	for _, url := range []string{
		"http://192.168.1.5:36863/#417-doable-puzzle",
		"https://ferry.some-long-host-name.example.org/ferry/#31415-abacus-abide-zoology-yellow",
		"http://[fd00:1234:5678::42]:7339/#7-apple-river",
	} {
		var b strings.Builder
		if err := writeQR(&b, url); err != nil {
			t.Fatal(err)
		}
		lines := qrscan.Find(b.String())
		if len(lines) != strings.Count(b.String(), "\n") {
			t.Errorf("%s: found %d of the %d lines drawn", url, len(lines), strings.Count(b.String(), "\n"))
		}
		got, err := qrscan.Decode(lines)
		if err != nil {
			t.Fatalf("%s:\n%s\n%v", url, b.String(), err)
		}
		if got != url {
			t.Errorf("scanned %q, want %q", got, url)
		}
		if w := len([]rune(lines[0])); w > 80 {
			t.Errorf("%s: %d columns wide: more than a terminal of 80", url, w)
		}
	}
}

// TestCodeLinesNameThePage: the sender's text names the browser page after
// the commands, and with --qr draws it below, in that order; --quiet keeps
// them (they are what the user passes on).
func TestCodeLinesNameThePage(t *testing.T) {
	info := ferry.CodeInfo{
		Code:       "417-doable-puzzle",
		Command:    "ferry receive --server ws://192.168.1.5:36863 417-doable-puzzle",
		LANCommand: "ferry receive 417-doable-puzzle",
		WebURL:     "http://192.168.1.5:36863/#417-doable-puzzle",
	}
	ios, _, _, errOut := Test()
	senderEvents{ui: newUI(ios, false, true), qr: true}.Code(info)
	text := errOut.String()
	want := "Code: 417-doable-puzzle\nOn the other computer, run:\n  ferry receive 417-doable-puzzle\n" +
		"or, if it finds no sender on this network:\n  ferry receive --server ws://192.168.1.5:36863 417-doable-puzzle\n" +
		"or open in a browser:\n  http://192.168.1.5:36863/#417-doable-puzzle\nScan to receive in a browser:\n"
	if !strings.HasPrefix(text, want) {
		t.Fatalf("sender printed:\n%s\nwant it to start with:\n%s", text, want)
	}
	if got, err := qrscan.Decode(qrscan.Find(text)); err != nil || got != info.WebURL {
		t.Fatalf("the QR code scans to %q (%v), want %q", got, err, info.WebURL)
	}

	ios, _, _, errOut = Test()
	senderEvents{ui: newUI(ios, false, false)}.Code(info)
	if strings.Contains(errOut.String(), "Scan") || len(qrscan.Find(errOut.String())) > 0 {
		t.Fatalf("a QR code without --qr:\n%s", errOut)
	}
}
