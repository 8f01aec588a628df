package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry"
)

// A hostile sender: it speaks the real rendezvous, PAKE and WebRTC protocols
// but writes its own transfer frames, so it can offer names that ferry's own
// sender refuses to send. The frame layouts are those in transfer/protocol.go,
// written again here on purpose: the test must not trust the encoder it checks.

func frame(typ byte, payload []byte) []byte {
	b := make([]byte, 5, 5+len(payload))
	b[0] = typ
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

func helloFrame() []byte {
	p := []byte("FRRY")
	p = binary.BigEndian.AppendUint16(p, 1) // min version
	p = binary.BigEndian.AppendUint16(p, 1) // max version
	p = append(p, 1, 7)                     // role sender, software length
	p = append(p, "hostile"...)
	return frame(0x01, p)
}

func manifestFrames(names ...string) []byte {
	p := binary.BigEndian.AppendUint32(nil, uint32(len(names)))
	for _, n := range names {
		p = binary.BigEndian.AppendUint16(p, uint16(len(n)))
		p = append(p, n...)
		p = binary.BigEndian.AppendUint64(p, 5) // size
		p = append(p, 0)                        // regular file
		p = binary.BigEndian.AppendUint16(p, 0o644)
	}
	end := binary.BigEndian.AppendUint32(nil, uint32(len(names)))
	end = binary.BigEndian.AppendUint64(end, uint64(5*len(names)))
	return append(frame(0x02, p), frame(0x03, end)...)
}

// hostileSend pairs with a receiver under code and offers names. It closes
// claimed once the code is held, so the receiver can start. ferry.Connect is
// the real meeting (rendezvous, PAKE, WebRTC); only the frames are forged.
func hostileSend(ctx context.Context, server, code string, claimed chan<- struct{}, names ...string) error {
	link, err := ferry.Connect(ctx, ferry.ConnectConfig{
		Config: ferry.Config{Server: server, Code: code, Events: codeHeld{held: claimed}},
		Side:   ferry.Sender,
	})
	if err != nil {
		return err
	}
	defer link.Close()
	if _, err := link.Write(append(helloFrame(), manifestFrames(names...)...)); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, link) // until the receiver hangs up
	return nil
}

// codeHeld closes its channel when the sender holds its code.
type codeHeld struct {
	ferry.NopEvents
	held chan<- struct{}
}

func (c codeHeld) Code(ferry.CodeInfo) { close(c.held) }

// TestHostileNamesRefusedByReceiver runs the real `ferry receive` against a
// hostile sender: each name is refused with exit 1, shown escaped (no raw
// control bytes reach the terminal), and nothing is written anywhere.
func TestHostileNamesRefusedByReceiver(t *testing.T) {
	server := startRendezvous(t)
	for i, name := range []string{
		"../escape.txt",
		"/tmp/ferry-absolute-escape.txt",
		"esc\x1b]0;pwned\x07title.txt",
		"bidi\u202egnp.exe",
		`..\..\windows.txt`,
		"ok.txt\x00hidden",
	} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			base := t.TempDir()
			out := filepath.Join(base, "out")
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "existing.txt"), []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			code := fmt.Sprintf("%d-hostile-sender", 100+i)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			sendErr, claimed := make(chan error, 1), make(chan struct{})
			go func() { sendErr <- hostileSend(ctx, server, code, claimed, "fine.txt", name) }()
			select {
			case <-claimed:
			case err := <-sendErr:
				t.Fatalf("hostile sender: %v", err)
			}
			receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, code)
			if rc, _ := receiver.wait(transferTimeout); rc != 1 {
				t.Fatalf("receiver exit %d, want 1; stderr:\n%q", rc, receiver.stderr)
			}
			msg := receiver.stderr.String()
			if !strings.Contains(msg, "unsafe") || !strings.Contains(msg, "malicious") {
				t.Fatalf("receiver's message does not explain the refusal:\n%q", msg)
			}
			for _, b := range []byte(msg) {
				if (b < 0x20 && b != '\n') || b == 0x7f {
					t.Fatalf("receiver printed a raw control byte %#x:\n%q", b, msg)
				}
			}
			if strings.Contains(msg, "\u202e") {
				t.Fatalf("receiver printed a raw bidi override:\n%q", msg)
			}
			if names := dirNames(t, out); len(names) != 1 || names[0] != "existing.txt" {
				t.Fatalf("output dir holds %v, want only existing.txt", names)
			}
			if b, _ := os.ReadFile(filepath.Join(out, "existing.txt")); !bytes.Equal(b, []byte("keep")) {
				t.Fatalf("existing.txt changed")
			}
			if names := dirNames(t, base); len(names) != 1 {
				t.Fatalf("the receiver wrote next to its output dir: %v", names)
			}
			if _, err := os.Lstat("/tmp/ferry-absolute-escape.txt"); err == nil {
				t.Fatalf("the receiver wrote an absolute path")
			}
			select {
			case err := <-sendErr:
				if err != nil {
					t.Fatalf("hostile sender: %v", err)
				}
			case <-ctx.Done():
				t.Fatal("hostile sender did not finish")
			}
		})
	}
}
