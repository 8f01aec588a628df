package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEntryNamedLikeATempFileArrives: "a.txt.part" and "a.txt" in one
// transfer both arrive (the temporary file of "a.txt" used to be
// "a.txt.part", which wiped the received one and renamed it away).
func TestEntryNamedLikeATempFileArrives(t *testing.T) {
	part, file := []byte("I am a.txt.part"), []byte("I am a.txt")
	src := (&memSource{}).add("a.txt.part", part).add("A.TXT.PART.old", []byte("x")).add("a.txt", file)
	out := t.TempDir()
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "a.txt.part"), part)
	mustContain(t, filepath.Join(out, "a.txt"), file)
	mustNotExist(t, filepath.Join(out, "a.txt"+partSuffix))
}

// TestReservedSuffixIsRefused: a name that could be a temporary file is
// refused on both sides, in any case.
func TestReservedSuffixIsRefused(t *testing.T) {
	for _, name := range []string{"a.txt.ferry-part", "A.TXT.FERRY-PART", "d.Ferry-Part/x"} {
		base, out := hostileDir(t)
		err := refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrUnsafeName, fileEntry("a.txt", 1), fileEntry(name, 1))
		if !strings.Contains(err.Error(), "reserves") {
			t.Errorf("receive %q: %v, want it to say the suffix is reserved", name, err)
		}
	}
	src := (&memSource{}).add("notes.ferry-part", []byte("x"))
	sent, _ := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: t.TempDir()})
	if !errors.Is(sent.err, ErrUnsafeName) || !strings.Contains(sent.err.Error(), "rename it") {
		t.Errorf("send: %v, want the sender to refuse the reserved name", sent.err)
	}
}

func TestTempNameOfLongNames(t *testing.T) {
	long := strings.Repeat("é", MaxNameLen/2) // 250 bytes of two-byte runes
	other := strings.Repeat("é", MaxNameLen/2-1) + "e"
	a, b := tempName("d/"+long), tempName("d/"+other)
	for _, n := range []string{a, b} {
		base := filepath.Base(n)
		if len(base) > maxComponent || !strings.HasSuffix(n, partSuffix) || !strings.HasPrefix(n, "d/") || ValidateName(strings.TrimSuffix(n, partSuffix)) != nil {
			t.Errorf("tempName: %q (%d bytes)", n, len(base))
		}
	}
	if a == b {
		t.Errorf("two names share the temporary file %q", a)
	}
}

// TestForeignTempFilesAreNeverWrittenThrough: what sits at a file's
// temporary name is used only if ferry could have left it; an old-style .part
// is never touched. outside.txt is a file elsewhere that the planted files
// are hard links to.
func TestForeignTempFilesAreNeverWrittenThrough(t *testing.T) {
	setup := func(t *testing.T, planted string) (base, out, outside string) {
		base, out = hostileDir(t)
		outside = filepath.Join(base, "outside.txt")
		writeFile(t, outside, []byte("precious, outside the output directory"), 0o644)
		if err := os.Link(outside, filepath.Join(out, planted)); err != nil {
			t.Skipf("cannot make hard links here: %v", err)
		}
		return base, out, outside
	}
	t.Run("an old-style .part hard link is left alone", func(t *testing.T) {
		_, out, outside := setup(t, "report.txt.part")
		data := randomBytes(t, 100_000)
		src := (&memSource{}).add("report.txt", data)
		sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out})
		if sent.err != nil || got.err != nil || got.res.Resumed != 0 {
			t.Fatalf("send: %v; receive: %v (resumed %d)", sent.err, got.err, got.res.Resumed)
		}
		mustContain(t, filepath.Join(out, "report.txt"), data)
		mustContain(t, outside, []byte("precious, outside the output directory"))
		mustContain(t, filepath.Join(out, "report.txt.part"), []byte("precious, outside the output directory"))
	})
	for _, overwrite := range []bool{false, true} {
		t.Run("a hard link at the temporary name is refused", func(t *testing.T) {
			base, out, _ := setup(t, "report.txt"+partSuffix)
			err := refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: overwrite}, ErrExists, fileEntry("report.txt", 10))
			if !strings.Contains(err.Error(), "2 links") || !strings.Contains(err.Error(), `"report.txt.ferry-part"`) {
				t.Errorf("receive: %v, want it to name the hard link", err)
			}
		})
	}
	t.Run("a temporary file of another user is refused", func(t *testing.T) {
		if os.Geteuid() != 0 {
			// .ci/run runs as root and sets FERRY_REQUIRE_NETNS=1: there a
			// skip would hide a test that never ran.
			const why = "needs root to give a file to another user (chown); run the tests as root, as .ci/run does"
			if os.Getenv("FERRY_REQUIRE_NETNS") == "1" {
				t.Fatalf("%s; FERRY_REQUIRE_NETNS=1 makes this a failure", why)
			}
			t.Skipf("SKIPPED: %s (FERRY_REQUIRE_NETNS=1 makes this a failure)", why)
		}
		base, out := hostileDir(t)
		part := filepath.Join(out, "report.txt"+partSuffix)
		writeFile(t, part, []byte("someone else's"), 0o666)
		if err := os.Chown(part, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		err := refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrExists, fileEntry("report.txt", 10))
		if !strings.Contains(err.Error(), "uid 4242") {
			t.Errorf("receive: %v", err)
		}
	})
}

// TestSymlinkAtTempNameIsNotFollowed: a symbolic link at the temporary name,
// even one to a file inside the output directory, is refused.
func TestSymlinkAtTempNameIsNotFollowed(t *testing.T) {
	base, out := hostileDir(t)
	if err := os.Symlink("existing.txt", filepath.Join(out, "f.bin"+partSuffix)); err != nil {
		t.Skipf("cannot create symbolic links here: %v", err)
	}
	refuseOffer(t, base, ReceiveOptions{Dir: out, Overwrite: true}, ErrExists, fileEntry("f.bin", 10))
}
