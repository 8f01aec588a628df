package transfer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecialFilesNamedInWords: /dev/zero and a FIFO are refused with what
// they are and what can be sent, not as "a Dc---------".
func TestSpecialFilesNamedInWords(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	for path, want := range map[string]string{"/dev/zero": "is a character device", fifo: "is a named pipe (FIFO)"} {
		if _, err := os.Stat(path); err != nil {
			t.Logf("skipping %s: %v", path, err)
			continue
		}
		_, err := NewFileSource(path)
		if err == nil {
			t.Fatalf("%s was accepted", path)
		}
		msg := err.Error()
		if !strings.Contains(msg, want) || !strings.Contains(msg, "regular files, directories, or - for standard input") ||
			!strings.Contains(msg, "ferry send --name NAME - < "+path) || strings.Contains(msg, "---") {
			t.Errorf("%s: %q, want it to say %q and what can be sent", path, msg, want)
		}
	}
}

// TestSizeAgainstLimit: a size just over the limit is shown in exact bytes
// when the rounded figures would read the same.
func TestSizeAgainstLimit(t *testing.T) {
	for _, tc := range []struct {
		n, limit int64
		want     string
	}{
		{1<<20 + 1, 1 << 20, "1,048,577 B; the limit is 1,048,576 B (1.0 MiB)"},
		{3 << 20, 1 << 20, "3.0 MiB; the limit is 1.0 MiB"},
		{999, 1000, "999 B; the limit is 1000 B"},
	} {
		if got := sizeAgainstLimit(tc.n, tc.limit); got != tc.want {
			t.Errorf("sizeAgainstLimit(%d, %d) = %q, want %q", tc.n, tc.limit, got, tc.want)
		}
	}
	_, err := NewTextSource(make([]byte, MaxTextSize+1))
	if err == nil || !strings.Contains(err.Error(), "1,048,577 B; the limit is 1,048,576 B") {
		t.Fatalf("a text of the limit + 1 byte: %v", err)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
