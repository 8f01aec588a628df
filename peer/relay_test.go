package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/turn/v5"
)

// startTURN runs a TURN server on a random loopback port that relays from
// loopback addresses, and returns the ICE server for it.
func startTURN(t *testing.T) ICEServer {
	t.Helper()
	const realm, user, pass = "ferry.test", "user", "secret"
	pconn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	key := turn.GenerateAuthKey(user, realm, pass)
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm: realm,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			return ra.Username, key, ra.Username == user
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: pconn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{
				RelayAddress: net.IPv4(127, 0, 0, 1),
				Address:      "127.0.0.1",
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return ICEServer{
		URLs:       []string{fmt.Sprintf("turn:%s?transport=udp", pconn.LocalAddr())},
		Username:   user,
		Credential: pass,
	}
}

func TestForceRelayGoesThroughTURN(t *testing.T) {
	cfg := loopback()
	cfg.ICEServers = []ICEServer{startTURN(t)}
	cfg.ForceRelay = true
	a, b := connectPair(t, cfg, cfg)
	for name, c := range map[string]*Conn{"offerer": a, "answerer": b} {
		if r := c.Route(); r.Direct || r.LocalType != "relay" {
			t.Errorf("%s: route %+v, want a relayed pair", name, r)
		}
	}
	data := randomBytes(t, 1<<20)
	go func() {
		a.Write(data)
		a.Close()
	}()
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes through the relay (%v), want the %d written", len(got), err, len(data))
	}
}

func TestForceRelayWithoutTURNFails(t *testing.T) {
	cfg := loopback()
	cfg.ForceRelay = true
	cfg.ICETimeout = 2 * time.Second
	sa, sb := signalerPair()
	ra, rb := connectBoth(t, sa, sb, cfg, cfg)
	for _, r := range []result{ra, rb} {
		if r.err == nil {
			r.conn.Close()
			t.Fatal("connected with relay-only candidates and no relay")
		}
		if !errors.Is(r.err, ErrNoRoute) || !strings.Contains(r.err.Error(), "TURN") {
			t.Errorf("got %v, want ErrNoRoute naming the missing TURN server", r.err)
		}
	}
}

func TestSocketBufferWarning(t *testing.T) {
	limit := readSysctl(t, "/proc/sys/net/core/rmem_max")
	cfg := loopback()
	cfg.SocketBuffer = 64 << 20
	if limit >= cfg.SocketBuffer {
		t.Skipf("net.core.rmem_max is %d: no cap to observe", limit)
	}
	a, _ := connectPair(t, cfg, loopback())
	if w := a.Warning(); !strings.Contains(w, "net.core.rmem_max") || !strings.Contains(w, "64 MiB") {
		t.Errorf("warning %q does not say the buffer was capped and how to raise the limit", w)
	}
	if limit >= DefaultSocketBuffer {
		a, _ := connectPair(t, loopback(), loopback())
		if w := a.Warning(); w != "" {
			t.Errorf("warning %q although net.core.rmem_max (%d) allows the default", w, limit)
		}
	}
}

func readSysctl(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("cannot read %s: %v", path, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

// syncBuffer is a bytes.Buffer safe for pion's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPionLogsGoToTheLogger(t *testing.T) {
	var buf syncBuffer
	cfg := loopback()
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sa, sb := signalerPair()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	ch := make(chan error, 1)
	go func() {
		c, err := Connect(ctx, sb, Answerer, loopback())
		if err == nil {
			c.Close()
		}
		ch <- err
	}()
	c, err := Connect(ctx, sa, Offerer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	<-ch
	if !strings.Contains(buf.String(), "pion=") {
		t.Errorf("no pion log line reached the logger at Debug level; got %q", buf.String())
	}
}
