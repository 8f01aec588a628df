package transfer

import (
	"fmt"
	"sync"
	"testing"
)

// heldRecorder is a Progress that also hears what became of held files.
type heldRecorder struct {
	recorder
	mu    sync.Mutex
	notes []string
}

func (h *heldRecorder) Resumed(path string, offset int64, whole bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.notes = append(h.notes, fmt.Sprintf("resumed %s at %d whole=%v", path, offset, whole))
}

func (h *heldRecorder) Discarded(path string, held int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.notes = append(h.notes, fmt.Sprintf("discarded %s (%d held)", path, held))
}

// TestHeldFilesReported: the receiver's Progress hears that a temporary file
// from an interrupted transfer was resumed, or discarded because its bytes
// were not the sender's, so that the CLI can say so in text mode too.
func TestHeldFilesReported(t *testing.T) {
	data := randomBytes(t, 10_000)
	for _, tc := range []struct {
		name string
		held []byte
		want string
	}{
		{"same bytes", data, "resumed f.bin at 4000 whole=false"},
		{"other bytes", randomBytes(t, 10_000), "discarded f.bin (4000 held)"},
	} {
		out := t.TempDir()
		interrupted(t, out, tc.held, 4000)
		var hr heldRecorder
		sent, got := pair(t, testContext(t), (&memSource{}).add("f.bin", data), SendOptions{}, ReceiveOptions{Dir: out, Progress: &hr})
		if sent.err != nil || got.err != nil {
			t.Fatalf("%s: send: %v; receive: %v", tc.name, sent.err, got.err)
		}
		if len(hr.notes) != 1 || hr.notes[0] != tc.want {
			t.Errorf("%s: the receiver's Progress heard %q, want %q", tc.name, hr.notes, tc.want)
		}
	}
}
