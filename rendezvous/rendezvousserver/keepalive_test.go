package rendezvousserver_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// TestPingsRepeat: the server keeps pinging a waiting client (from timers,
// not a goroutine per client), and a client that answers stays connected.
func TestPingsRepeat(t *testing.T) {
	rz, m := newServer(t, rendezvousserver.Config{})
	rendezvousserver.SetPingInterval(rz, 20*time.Millisecond)
	hs := httptest.NewServer(m.Public(rz))
	t.Cleanup(func() { _ = rz.Close(); hs.Close() })

	pings := make(chan struct{}, 100)
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+rendezvous.WSPath, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			pings <- struct{}{}
			return true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"allocate"}`)); err != nil {
		t.Fatal(err)
	}
	go func() { // reading is what answers pings
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
		}
	}()
	for i := range 5 {
		select {
		case <-pings:
		case <-ctx.Done():
			t.Fatalf("only %d pings", i)
		}
	}
	scrape(t, hs.URL).want(t, `ferry_rendezvous_connections_open`, 1)
}
