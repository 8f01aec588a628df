package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRestartTellsWaitingSender: SIGTERM to ferry-rendezvous while a sender
// waits for its receiver: the sender stops at once with "the server is
// restarting; run the same command again" and exit 6 (could not connect),
// and the server exits 0.
func TestRestartTellsWaitingSender(t *testing.T) {
	rdv := startRendezvousLogged(t)
	path, _ := randomFile(t, t.TempDir(), "waiting.bin", 1024)
	sender := start(t, nil, nil, bin.ferry, "send", "--server", rdv.url, "--json", path)
	sender.waitEvent("code", 30*time.Second)
	if err := rdv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, events := sender.wait(60 * time.Second)
	const want = "the server is restarting; run the same command again"
	if code != 6 || !strings.Contains(sender.stderr.String(), want) {
		t.Fatalf("sender after SIGTERM: exit %d, want 6 and %q; stderr:\n%s", code, want, sender.stderr)
	}
	if ev, ok := findEvent(events, "error"); !ok || ev.str("kind") != "unreachable" || !strings.Contains(ev.str("message"), want) {
		t.Errorf("error event %v, want kind unreachable and the restart message", ev)
	}
	if code := rdv.exited(t, 60*time.Second); code != 0 {
		t.Errorf("ferry-rendezvous exit %d after SIGTERM:\n%s", code, rdv.log)
	}
}
