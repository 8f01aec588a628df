package ferry_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry"
)

// openFiles counts this process's file descriptors (sockets included), or
// returns -1 where /proc/self/fd does not exist.
func openFiles() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// backTo waits (a bounded poll) until the process holds at most g
// goroutines and f file descriptors, and reports what it holds then.
func backTo(g, f int) (int, int) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ng, nf := runtime.NumGoroutine(), openFiles()
		if ng <= g && nf <= f || time.Now().After(deadline) {
			return ng, nf
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// steady waits (a bounded poll) until the counts of goroutines and file
// descriptors stop changing, and returns them.
func steady() (int, int) {
	g, f, same := runtime.NumGoroutine(), openFiles(), 0
	for deadline := time.Now().Add(2 * time.Second); same < 5 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		ng, nf := runtime.NumGoroutine(), openFiles()
		if ng == g && nf == f {
			same++
		} else {
			g, f, same = ng, nf, 0
		}
	}
	return g, f
}

// TestNoLeaksAfterEachOutcome: whatever way Send and Receive end (success,
// a wrong code, a declined offer, a ctx cancelled while the sender waits, a
// server that refuses, a Wait that runs out), once both returned the process
// holds no more goroutines, sockets or files than before: a program that
// runs transfers all day does not grow.
func TestNoLeaksAfterEachOutcome(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	local := ferry.SendConfig{LocalServer: ferry.ServerConfig{Listen: "127.0.0.1:0"}}
	shared := ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}}
	pair := func(cfg ferry.SendConfig, recv func(ferry.CodeInfo) error) {
		src, err := ferry.Text([]byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		code, sent := sendAsync(t, ctx, src, cfg, newRecorder())
		rerr := recv(code)
		t.Logf("receive: %v; send: %v", rerr, <-sent)
	}
	receive := func(code string, accept func(context.Context, ferry.Manifest) error) func(ferry.CodeInfo) error {
		return func(c ferry.CodeInfo) error {
			if code == "" {
				code = c.Code
			}
			_, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: c.Server, Code: code}, Text: &bytes.Buffer{}, Accept: accept})
			return err
		}
	}
	wrongWords := func(c ferry.CodeInfo) error {
		slot, _, _ := strings.Cut(c.Code, "-")
		return receive(slot+"-wrong-words", nil)(c)
	}
	decline := func(context.Context, ferry.Manifest) error { return ferry.ErrDeclined }
	pair(shared, receive("", nil)) // warm up: what stays for the process's life starts now
	g0, f0 := steady()
	outcomes := []struct {
		name string
		run  func()
	}{
		{"success", func() { pair(shared, receive("", nil)) }},
		{"success, local server", func() { pair(local, receive("", nil)) }},
		{"wrong code", func() { pair(shared, wrongWords) }},
		{"wrong code, local server", func() { pair(local, wrongWords) }},
		{"declined", func() { pair(local, receive("", decline)) }},
		{"cancelled while waiting for the receiver", func() {
			sctx, cancel := context.WithCancel(ctx)
			src, _ := ferry.Text([]byte("hello"))
			_, sent := sendAsync(t, sctx, src, local, newRecorder())
			cancel()
			t.Logf("send: %v", <-sent)
		}},
		{"server refuses", func() {
			src, _ := ferry.Text([]byte("hello"))
			_, serr := ferry.Send(ctx, src, ferry.SendConfig{Config: ferry.Config{Server: "ws://127.0.0.1:1"}})
			_, rerr := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: "ws://127.0.0.1:1", Code: "5-apple-river"}, Dir: t.TempDir()})
			t.Logf("send: %v; receive: %v", serr, rerr)
		}},
		{"wait runs out", func() {
			_, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: srv.URL(), Code: "5-apple-river"}, Text: &bytes.Buffer{}, Wait: 300 * time.Millisecond})
			t.Logf("receive: %v", err)
		}},
	}
	for _, o := range outcomes {
		o.run()
		if g, f := backTo(g0, f0); g > g0 || f > f0 {
			var dump strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
			t.Fatalf("after %s: %d goroutines and %d descriptors, %d and %d before\n%s", o.name, g, f, g0, f0, dump.String())
		}
	}
}
