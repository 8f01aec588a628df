package ferry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/ferry-dev/ferry"
)

// codeTo is the Events of the examples: it hands the sender's code to the
// receiver (on two computers, a person or a script passes it on).
type codeTo struct {
	ferry.NopEvents
	codes chan<- ferry.CodeInfo
}

func (c codeTo) Code(info ferry.CodeInfo) { c.codes <- info }

// A backup job sends a file, and another program receives it: here both in
// one process, on a rendezvous server the sender starts for itself (with no
// Server, Send starts one; Listen keeps this example on loopback).
func ExampleSend() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ferry-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.txt")
	if err := os.WriteFile(report, []byte("quarterly numbers\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	// The receiving side: it gets the code, then the files.
	codes := make(chan ferry.CodeInfo, 1)
	received := make(chan error, 1)
	go func() {
		c := <-codes
		_, err := ferry.Receive(ctx, ferry.ReceiveConfig{
			Config: ferry.Config{Server: c.Server, Code: c.Code},
			Dir:    filepath.Join(dir, "inbox"),
		})
		received <- err
	}()

	src, err := ferry.Files(report)
	if err != nil {
		log.Fatal(err)
	}
	res, err := ferry.Send(ctx, src, ferry.SendConfig{
		Config:      ferry.Config{Events: codeTo{codes: codes}},
		LocalServer: ferry.ServerConfig{Listen: "127.0.0.1:0"},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := <-received; err != nil {
		log.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "inbox", "report.txt"))
	fmt.Printf("sent %d file, %d bytes; the inbox holds: %s", res.Files, res.Bytes, got)
	// Output: sent 1 file, 18 bytes; the inbox holds: quarterly numbers
}

// verified prints each file the receiver verified.
type verified struct{ ferry.NopEvents }

func (verified) File(f ferry.FileResult) { fmt.Printf("%s  %s\n", f.SHA256[:16], f.Path) }

// A receiver that accepts only what it expects, and hears each file as it is
// verified. The sender here is a stream (ferry.Reader), as from a pipe.
func ExampleReceive() {
	ctx := context.Background()
	srv, err := ferry.StartServer(ctx, ferry.ServerConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	codes := make(chan ferry.CodeInfo, 1)
	go func() {
		src, _ := ferry.Reader("db.dump", bytes.NewReader([]byte("CREATE TABLE t;\n")))
		_, _ = ferry.Send(ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL(), Events: codeTo{codes: codes}}})
	}()
	c := <-codes

	var dump bytes.Buffer
	res, err := ferry.Receive(ctx, ferry.ReceiveConfig{
		Config: ferry.Config{Server: c.Server, Code: c.Code, Events: verified{}},
		Out:    &dump, // one file or stream, into a writer instead of a directory
		Accept: func(_ context.Context, m ferry.Manifest) error {
			if len(m.Entries) != 1 || m.Entries[0].Path != "db.dump" {
				return fmt.Errorf("%w: expected db.dump", ferry.ErrDeclined)
			}
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d file: %q\n", res.Files, dump.String())
	// Output:
	// 2a8152d86206f4b4  db.dump
	// 1 file: "CREATE TABLE t;\n"
}

// Errors say what went wrong through errors.Is: here no sender waits under
// the code.
func ExampleReceive_errors() {
	ctx := context.Background()
	srv, err := ferry.StartServer(ctx, ferry.ServerConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	_, err = ferry.Receive(ctx, ferry.ReceiveConfig{
		Config: ferry.Config{Server: srv.URL(), Code: "7-apple-river"},
		Dir:    os.TempDir(),
	})
	switch {
	case errors.Is(err, ferry.ErrNoSuchCode):
		fmt.Println("no sender yet: try again, or set Wait")
	case errors.Is(err, ferry.ErrWrongCode):
		fmt.Println("wrong code")
	case err != nil:
		fmt.Println("failed:", err)
	}
	// Output: no sender yet: try again, or set Wait
}

// Connect gives two programs a direct, encrypted byte stream, authenticated
// by the code, for a protocol of their own.
func ExampleConnect() {
	ctx := context.Background()
	srv, err := ferry.StartServer(ctx, ferry.ServerConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	codes := make(chan ferry.CodeInfo, 1)
	go func() {
		link, err := ferry.Connect(ctx, ferry.ConnectConfig{
			Side:   ferry.Sender,
			Config: ferry.Config{Server: srv.URL(), Events: codeTo{codes: codes}},
		})
		if err != nil {
			log.Fatal(err)
		}
		defer link.Close()
		_, _ = link.Write([]byte("hello, peer\n"))
		_, _ = io.Copy(io.Discard, link) // until the other side closes
	}()
	c := <-codes

	link, err := ferry.Connect(ctx, ferry.ConnectConfig{
		Side:   ferry.Receiver,
		Config: ferry.Config{Server: c.Server, Code: c.Code},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer link.Close()
	line := make([]byte, len("hello, peer\n"))
	if _, err := io.ReadFull(link, line); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s", line)
	// Output: hello, peer
}
