package cli

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
	"github.com/ferry-dev/ferry/rendezvous/rendezvoustest"
	"github.com/ferry-dev/ferry/transfer"
)

// TestStreamSizeUnknown: a stream from standard input is offered as "size
// unknown", not "(0 B)".
func TestStreamSizeUnknown(t *testing.T) {
	stream := transfer.Manifest{Entries: []transfer.Entry{{Path: "stdin", Size: -1, Mode: 0o644}}}
	ios, _, _, errOut := Test()
	if err := accept(context.Background(), &ReceiveOptions{IO: ios, Yes: true}, newUI(ios, false, false), stream); err != nil {
		t.Fatal(err)
	}
	if got := errOut.String(); !strings.Contains(got, "Receiving stdin (size unknown).") || strings.Contains(got, "0 B") {
		t.Fatalf("accept said %q, want 'Receiving stdin (size unknown).'", got)
	}
	ios, _, _, _ = Test()
	err := accept(context.Background(), &ReceiveOptions{IO: ios}, newUI(ios, false, false), stream)
	if err == nil || !strings.Contains(err.Error(), "stdin (size unknown)") {
		t.Fatalf("without a terminal: %v", err)
	}
	files := transfer.Manifest{Entries: []transfer.Entry{{Path: "a", Size: 1536, Mode: 0o644}, {Path: "d", Mode: fs.ModeDir | 0o755}}, TotalBytes: 1536}
	if got := sizeText(files); got != "1.5 KiB" {
		t.Fatalf("sizeText of files = %q", got)
	}
}

// TestInterruptedSaysInterrupted: Ctrl-C while the sender waits for its
// receiver says "interrupted", never "context canceled", in text and in the
// JSON error event; the exit code stays 130.
func TestInterruptedSaysInterrupted(t *testing.T) {
	srv := rendezvoustest.Start(t, nil, rendezvousserver.Config{})
	src := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(src, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, jsonOut := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		ios, _, _, _ := Test()
		errOut := newWatchWriter("Code: ")
		ios.ErrOut = errOut
		watch := errOut
		if jsonOut {
			jw := newWatchWriter(`"event":"code"`)
			ios.Out, watch = jw, jw
		}
		done := make(chan error, 1)
		go func() {
			done <- runSend(ctx, &SendOptions{IO: ios, Paths: []string{src}, Server: srv.URL, Words: 2, JSON: jsonOut})
		}()
		select {
		case <-watch.seen:
		case err := <-done:
			t.Fatalf("sender stopped before its code: %v\n%s", err, errOut)
		case <-time.After(time.Minute):
			t.Fatal("no code within a minute")
		}
		cancel()
		err := <-done
		if kind, code := classify(ctx, err); kind != "interrupted" || code != ExitInterrupted {
			t.Fatalf("classify = %s %d, want interrupted %d", kind, code, ExitInterrupted)
		}
		got := errOut.String()
		if jsonOut {
			got = ios.Out.(*watchWriter).String()
		}
		if !strings.Contains(got, "interrupted") || strings.Contains(got, "context canceled") {
			t.Fatalf("json %v: the message says %q, want 'interrupted'", jsonOut, got)
		}
	}
}

// TestLateReceiverToldCodeWasUsed: a receiver that comes after another one
// used the code is told that a code works once and to ask for a new one,
// not only to check the code.
func TestLateReceiverToldCodeWasUsed(t *testing.T) {
	srv := rendezvoustest.Start(t, nil, rendezvousserver.Config{})
	src := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(src, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const code = "13-first-come"
	sios, _, _, _ := Test()
	serr := newWatchWriter("Code: ")
	sios.ErrOut = serr
	sent := make(chan error, 1)
	go func() {
		sent <- runSend(ctx, &SendOptions{IO: sios, Paths: []string{src}, Server: srv.URL, Code: code, Words: 2})
	}()
	<-serr.seen
	rios, _, _, rerr := Test()
	if err := runReceive(ctx, &ReceiveOptions{IO: rios, Code: code, Server: srv.URL, Out: t.TempDir(), Yes: true}); err != nil {
		t.Fatalf("first receiver: %v\n%s", err, rerr)
	}
	if err := <-sent; err != nil {
		t.Fatalf("sender: %v\n%s", err, serr)
	}
	lios, _, _, lerr := Test()
	err := runReceive(ctx, &ReceiveOptions{IO: lios, Code: code, Server: srv.URL, Out: t.TempDir(), Yes: true})
	if _, c := classify(ctx, err); c != ExitAuth {
		t.Fatalf("late receiver: %v (exit %d), want exit %d", err, c, ExitAuth)
	}
	if msg := lerr.String(); !strings.Contains(msg, "if someone else may have used it first, ask the sender to send again for a new code") {
		t.Fatalf("late receiver's message: %q", msg)
	}
}

// TestHeldFilesShown: what became of a partial file from an earlier transfer
// is said in text mode, as in JSON events.
func TestHeldFilesShown(t *testing.T) {
	var _ transfer.HeldReporter = (*ui)(nil)
	ios, _, _, errOut := Test()
	u := newUI(ios, false, false)
	u.Resumed("big.iso", 41<<19, false)
	u.Discarded("notes.txt", 4000)
	u.Resumed("same.bin", 10, true)
	for _, want := range []string{
		"Resuming big.iso from 20.5 MiB (kept from an earlier transfer).",
		"Discarded the partial notes.txt (3.9 KiB) from an earlier transfer: it did not match the sender's file; receiving it from the start.",
		"Kept same.bin: it already holds the sender's bytes.",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("text mode said %q, want %q", errOut, want)
		}
	}
	ios, _, out, _ := Test()
	u = newUI(ios, true, false)
	u.Resumed("big.iso", 41<<19, false)
	u.Discarded("notes.txt", 4000)
	u.close()
	want := `{"event":"resumed","path":"big.iso","bytes":21495808,"whole":false}` + "\n" + `{"event":"discarded","path":"notes.txt","bytes":4000}` + "\n"
	if out.String() != want {
		t.Errorf("JSON events %q, want %q", out, want)
	}
}

// TestSenderSaysItResumes: in text mode the sender says which file resumes
// and from where, as the receiver does.
func TestSenderSaysItResumes(t *testing.T) {
	ios, _, _, errOut := Test()
	ev := senderEvents{ui: newUI(ios, false, false)}
	ev.Resumed("big.bin", 20<<20+512<<10, false)
	ev.Resumed("done.bin", 7, true)
	got := errOut.String()
	if !strings.Contains(got, "Resuming big.bin from 20.5 MiB") || !strings.Contains(got, "Skipping done.bin: the receiver already holds all of it.") {
		t.Fatalf("sender said %q", got)
	}
}
