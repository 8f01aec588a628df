package ferry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ferry-dev/ferry"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// TestServerLimitsForBatches: a program that runs more transfers a minute
// than ferry-rendezvous lets one address start (30 codes, 30 joins) through
// one in-process server raises its limits with CodesPerMinute and
// JoinsPerMinute; without them, the 31st code is refused as the public
// server refuses it.
func TestServerLimitsForBatches(t *testing.T) {
	ctx := testContext(t)
	def := startServer(t)
	var err error
	for i := 0; i <= 30 && err == nil; i++ {
		err = allocate(ctx, def.LocalURL())
	}
	if !errors.Is(err, ferry.ErrLimit) {
		t.Fatalf("31 codes in a minute from one address with the default limits: %v, want ErrLimit", err)
	}

	const transfers = 36
	srv := startServerWith(t, ferry.ServerConfig{CodesPerMinute: transfers, JoinsPerMinute: transfers})
	for i := range transfers {
		msg := fmt.Appendf(nil, "transfer %d", i)
		src, err := ferry.Text(msg)
		if err != nil {
			t.Fatal(err)
		}
		code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}}, newRecorder())
		var text bytes.Buffer
		_, err = ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: srv.URL(), Code: code.Code}, Text: &text})
		if err != nil {
			t.Fatalf("receive %d: %v", i, err)
		}
		if err := <-sent; err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if !bytes.Equal(text.Bytes(), msg) {
			t.Fatalf("transfer %d received %q", i, text.Bytes())
		}
	}
}

// allocate takes a new code on the server at url and lets it go.
func allocate(ctx context.Context, url string) error {
	c, err := rendezvousclient.DialWith(ctx, url, rendezvousclient.DialOptions{})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Allocate(ctx)
	return err
}
