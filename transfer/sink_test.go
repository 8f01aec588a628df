package transfer

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestTextMessage(t *testing.T) {
	src, err := NewTextSource([]byte("meet at 6, door code 4711\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var shown bytes.Buffer
	var rp recorder
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out, Text: &shown, Progress: &rp})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	if shown.String() != "meet at 6, door code 4711\n" {
		t.Fatalf("text shown: %q", shown.String())
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Fatalf("a text message wrote files: %v", ents)
	}
	if _, _, _, files := rp.snapshot(); len(files) != 1 || files[0].SHA256 != sha256Hex(shown.Bytes()) {
		t.Fatalf("file results %+v", files)
	}
}

func TestTextMessageDeclinedWithoutTextWriter(t *testing.T) {
	src, _ := NewTextSource([]byte("hi"))
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: t.TempDir()})
	if !errors.Is(got.err, ErrDeclined) || !errors.Is(sent.err, ErrDeclined) {
		t.Fatalf("send: %v; receive: %v; want both declined", sent.err, got.err)
	}
}

func TestTextTooLong(t *testing.T) {
	if _, err := NewTextSource(make([]byte, MaxTextSize+1)); err == nil || !strings.Contains(err.Error(), "as a file") {
		t.Fatalf("NewTextSource over the limit: %v", err)
	}
}

func TestStreamToWriter(t *testing.T) {
	data := randomBytes(t, 3<<20+17)
	src, err := NewReaderSource("stdin", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Out: &out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("stream differs: got %d bytes, want %d", out.Len(), len(data))
	}
	if got.res.Bytes != int64(len(data)) || got.res.Files != 1 {
		t.Fatalf("result %+v", got.res)
	}
}

func TestStreamToWriterRefusesManyFiles(t *testing.T) {
	src := (&memSource{}).add("a", []byte("a")).add("b", []byte("b"))
	var out bytes.Buffer
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Out: &out})
	if !errors.Is(got.err, ErrDeclined) || !strings.Contains(got.err.Error(), "receive into a directory") {
		t.Fatalf("receive: %v", got.err)
	}
	if !errors.Is(sent.err, ErrDeclined) {
		t.Fatalf("send: %v", sent.err)
	}
	if out.Len() != 0 {
		t.Fatalf("wrote %d bytes to the writer", out.Len())
	}
}

func TestStreamToWriterCorruptionIsAnIntegrityError(t *testing.T) {
	// A sender that lies about the digest: the bytes reached the writer, but
	// Receive must fail so that the caller does not trust them.
	data := []byte("streamed bytes")
	var out bytes.Buffer
	got := receiveFrom(t, testContext(t), ReceiveOptions{Out: &out}, func(p *rawPeer) {
		p.offer(Entry{Path: "stdin", Size: -1, Mode: 0o644})
		p.answer()
		p.begin(0, 0)
		p.data(0, 0, data)
		p.end(0, uint64(len(data)), [32]byte{1})
		p.expectError()
	})
	if !errors.Is(got.err, ErrIntegrity) {
		t.Fatalf("receive: %v, want ErrIntegrity", got.err)
	}
}
