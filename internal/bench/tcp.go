package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/ferry-dev/ferry/internal/linesig"
)

// The physical reference: plain TCP over loopback, same byte count, no
// encryption, no files.

const tcpBuffer = 256 << 10

func tcpRecvCmd(ctx context.Context, args []string, stdout io.Writer) error {
	start := time.Now()
	fs := newFlags("tcp-recv", stdout)
	total := fs.Int64("bytes", 0, "bytes to receive")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("tcp-recv: %w", err)
	}
	defer ln.Close()
	fmt.Fprintf(stdout, "listen %s\n", ln.Addr())
	c, err := ln.Accept()
	if err != nil {
		return fmt.Errorf("tcp-recv: %w", err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	buf := make([]byte, tcpBuffer)
	var got int64
	var first time.Time
	for got < *total {
		n, err := c.Read(buf)
		if n > 0 && first.IsZero() {
			first = time.Now()
		}
		got += int64(n)
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("tcp-recv: after %d of %d bytes: %w", got, *total, errShort)
		}
		if err != nil {
			return fmt.Errorf("tcp-recv: %w", err)
		}
	}
	res := result{Bytes: got, Seconds: time.Since(first).Seconds(), Setup: first.Sub(start).Seconds()}
	if _, err := c.Write([]byte(endMessage + "\n")); err != nil {
		return fmt.Errorf("tcp-recv: %w", err)
	}
	return json.NewEncoder(stdout).Encode(res)
}

func tcpSendCmd(ctx context.Context, args []string) error {
	fs := newFlags("tcp-send", io.Discard)
	total := fs.Int64("bytes", 0, "bytes to send")
	addr := fs.String("connect", "", "the receiver's address")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := net.Dial("tcp", *addr)
	if err != nil {
		return fmt.Errorf("tcp-send: %w", err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	buf := randomBlock(1 << 20)
	for sent := int64(0); sent < *total; {
		n := int(min(tcpBuffer, *total-sent))
		off := int(sent % int64(len(buf)-tcpBuffer))
		if _, err := c.Write(buf[off : off+n]); err != nil {
			return fmt.Errorf("tcp-send: after %d of %d bytes: %w", sent, *total, err)
		}
		sent += int64(n)
	}
	return awaitEnd(ctx, linesig.New(c, c))
}
