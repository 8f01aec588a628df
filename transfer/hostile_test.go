package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var hostileNames = []string{
	"/etc/passwd",
	"//server/share/x",
	"../escape.txt",
	"a/../../escape.txt",
	"a/..",
	"a/./b",
	".",
	"..",
	"",
	`..\..\escape.txt`,
	`a\b`,
	"C:escape.txt",
	"c:/windows/x",
	"nul\x00byte",
	"bell\x07",
	"esc\x1b[31mred",
	"esc\x1b]0;title\x07",
	"csi\u009b31m",
	"del\x7f",
	"new\nline",
	"tab\tname",
	"bidi\u202egnp.exe",
	"isolate\u2066x\u2069",
	"mark\u200fx",
	"sep\u2028x",
	"invalid\xff\xfe",
	"CON",
	"nul.txt",
	"con.d/x",
	"com1",
	"Com\u00b9.txt",
	"LPT9.log",
	"a/aux/b",
	"conin$",
	"trailing.",
	"trailing ",
	"a//b",
	"a/",
	"x.ferry-part",
	"a.txt.Ferry-Part",
	"d/B.FERRY-PART/c",
	"/",
	strings.Repeat("n", MaxNameLen+1),
	strings.Repeat("abcdefgh/", MaxPathLen/9) + "tail",
}

func TestValidateName(t *testing.T) {
	for _, name := range hostileNames {
		err := ValidateName(name)
		if !errors.Is(err, ErrUnsafeName) {
			t.Errorf("ValidateName(%q) = %v, want ErrUnsafeName", name, err)
			continue
		}
		assertPrintable(t, err.Error())
	}
	for _, name := range []string{
		"a.txt", "dir/sub/file.tar.gz", ".bashrc", "..hidden", "a..b", "CONSOLE", "com10",
		"Ünïcödé/日本語.txt", "emoji 👩‍👩‍👧.png", "with space.txt", "semi;colon", "12:30.txt",
		strings.Repeat("n", MaxNameLen), "-rf", "a.txt.part", "ferry-part", "x.ferry-part.txt",
	} {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", name, err)
		}
	}
}

// hostileDir is an output directory with something next to it and something in
// it, to check that a refused transfer changes neither.
func hostileDir(t *testing.T) (base, out string) {
	base = t.TempDir()
	out = filepath.Join(base, "out")
	writeFile(t, filepath.Join(base, "victim.txt"), []byte("outside"), 0o644)
	writeFile(t, filepath.Join(out, "existing.txt"), []byte("inside"), 0o644)
	return base, out
}

// refuseOffer offers entries to a real receiver and checks that it refuses
// with want, tells the sender, never asks the user, and writes nothing.
func refuseOffer(t *testing.T, base string, opts ReceiveOptions, want error, entries ...Entry) error {
	t.Helper()
	before := tree(t, base)
	opts.Accept = func(context.Context, Manifest) error {
		t.Error("Accept was called for a manifest that must be refused")
		return nil
	}
	var kind errKind
	var msg string
	got := receiveFrom(t, testContext(t), opts, func(p *rawPeer) {
		p.offer(entries...)
		kind, msg = p.expectError()
	})
	if !errors.Is(got.err, want) {
		t.Fatalf("receive: %v, want %v", got.err, want)
	}
	if wantKind, _ := peerMessage(want); kind != wantKind {
		t.Errorf("the sender was told kind %d (%s), want %d", kind, msg, wantKind)
	}
	assertPrintable(t, got.err.Error())
	sameTree(t, before, tree(t, base))
	return got.err
}

func TestHostileNamesAreRefused(t *testing.T) {
	for _, name := range hostileNames {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			base, out := hostileDir(t)
			err := refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrUnsafeName,
				fileEntry("fine.txt", 1), fileEntry(name, 7))
			if !strings.Contains(err.Error(), "the sender may be malicious") {
				t.Errorf("message does not warn about the sender: %v", err)
			}
		})
	}
}

func TestManifestConflictsAreRefused(t *testing.T) {
	cases := map[string][]Entry{
		"duplicate":             {fileEntry("x.txt", 1), fileEntry("x.txt", 1)},
		"case-folded duplicate": {fileEntry("Report.TXT", 1), fileEntry("report.txt", 1)},
		"file as a directory":   {fileEntry("f", 1), fileEntry("f/g", 1)},
		"directory twice":       {{Path: "d", Mode: fs.ModeDir | 0o755}, {Path: "D", Mode: fs.ModeDir | 0o755}},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			base, out := hostileDir(t)
			refuseOffer(t, base, ReceiveOptions{Dir: out}, ErrUnsafeName, entries...)
		})
	}
}

func TestSymlinksInTheOutputDirectory(t *testing.T) {
	setup := func(t *testing.T) (base, out string) {
		base, out = hostileDir(t)
		if err := os.Mkdir(filepath.Join(base, "outside"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(out, "real"), 0o755); err != nil {
			t.Fatal(err)
		}
		for link, target := range map[string]string{
			"out-link":         "../outside",
			"in-link":          "real",
			"file-link":        "../victim.txt",
			"x.txt.ferry-part": "../victim.txt",
		} {
			if err := os.Symlink(target, filepath.Join(out, link)); err != nil {
				t.Skipf("cannot create symbolic links here: %v", err)
			}
		}
		return base, out
	}
	t.Run("through a link that leaves the directory", func(t *testing.T) {
		base, out := setup(t)
		refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrUnsafeName, fileEntry("out-link/pwned.txt", 3))
	})
	t.Run("through a link inside the directory", func(t *testing.T) {
		base, out := setup(t)
		refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrUnsafeName, fileEntry("in-link/x.txt", 3))
	})
	t.Run("a directory entry onto a link", func(t *testing.T) {
		base, out := setup(t)
		refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrUnsafeName, Entry{Path: "in-link", Mode: fs.ModeDir | 0o755})
	})
	t.Run("a temporary file that is a link", func(t *testing.T) {
		base, out := setup(t)
		refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrExists, fileEntry("x.txt", 3))
	})
	t.Run("a file onto a link needs overwrite", func(t *testing.T) {
		base, out := setup(t)
		refuseOffer(t, base, ReceiveOptions{Dir: out}, ErrExists, fileEntry("file-link", 3))
	})
	t.Run("overwrite replaces the link, not its target", func(t *testing.T) {
		base, out := setup(t)
		data := []byte("new")
		got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: out, Overwrite: true}, func(p *rawPeer) {
			p.offer(fileEntry("file-link", 3))
			p.answer()
			p.file(0, data)
			p.expect(frameFileAck)
			p.send(frameDone, appendTotals(nil, totals{1, 3}))
			p.expect(frameDoneAck)
		})
		if got.err != nil {
			t.Fatal(got.err)
		}
		mustContain(t, filepath.Join(base, "victim.txt"), []byte("outside"))
		if fi, err := os.Lstat(filepath.Join(out, "file-link")); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("file-link: %v, %v", fi.Mode(), err)
		}
		mustContain(t, filepath.Join(out, "file-link"), data)
	})
}

func TestManifestLimits(t *testing.T) {
	many := make([]Entry, 11)
	for i := range many {
		many[i] = fileEntry(fmt.Sprintf("f%d", i), 1)
	}
	t.Run("entries", func(t *testing.T) {
		base, out := hostileDir(t)
		err := refuseOffer(t, base, ReceiveOptions{Dir: out, limits: manifestLimits{maxEntries: 10}}, ErrProtocol, many...)
		if !strings.Contains(err.Error(), "more than 10 entries") {
			t.Errorf("receive: %v", err)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		base, out := hostileDir(t)
		err := refuseOffer(t, base, ReceiveOptions{Dir: out, limits: manifestLimits{maxBytes: 100}}, ErrProtocol, many...)
		if !strings.Contains(err.Error(), "the limit") {
			t.Errorf("receive: %v", err)
		}
	})
}

func TestSenderRefusesUnsafeNamesItself(t *testing.T) {
	src := (&memSource{}).add("../up.txt", []byte("x"))
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: t.TempDir()})
	if !errors.Is(sent.err, ErrUnsafeName) {
		t.Errorf("send: %v", sent.err)
	}
	if !errors.Is(got.err, ErrPeerClosed) {
		t.Errorf("receive: %v", got.err)
	}
}
