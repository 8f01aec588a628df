package relay_test

import (
	"bytes"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/ferry-dev/ferry/relay"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// allocateRequest is a raw TURN Allocate request.
func allocateRequest(t *testing.T, setters ...stun.Setter) []byte {
	t.Helper()
	base := []stun.Setter{stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassRequest),
		stun.RawAttribute{Type: stun.AttrRequestedTransport, Value: []byte{17, 0, 0, 0}}}
	m, err := stun.Build(append(base, setters...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m.Raw
}

// 20,000 packets with bad credentials (as fast as loopback takes them) give
// a few log lines and a summary with the count, not a line each.
func TestBadCredentialFloodIsSampled(t *testing.T) {
	logs := &lockedBuffer{}
	s := startRelay(t, relay.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	buf := make([]byte, 1500)
	read := func() (*stun.Message, error) {
		_ = pc.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			return nil, err
		}
		m := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		return m, m.Decode()
	}
	// A first request without credentials brings the nonce and realm.
	if _, err := pc.WriteTo(allocateRequest(t), s.Addr()); err != nil {
		t.Fatal(err)
	}
	challenge, err := read()
	if err != nil {
		t.Fatal(err)
	}
	var nonce stun.Nonce
	var realm stun.Realm
	if err := nonce.GetFrom(challenge); err != nil {
		t.Fatalf("no nonce in %v: %v", challenge, err)
	}
	if err := realm.GetFrom(challenge); err != nil {
		t.Fatal(err)
	}
	wrongUser, _ := minted("mallory", time.Hour)
	packets := [][]byte{
		// a username outside the scheme
		allocateRequest(t, stun.NewUsername("mallory"), realm, nonce, stun.NewLongTermIntegrity("mallory", realm.String(), "guess")),
		// a username of the scheme with a wrong password
		allocateRequest(t, stun.NewUsername(wrongUser), realm, nonce, stun.MessageIntegrity(turn.GenerateAuthKey(wrongUser, realm.String(), "guess"))),
	}
	const total, window = 20000, 100
	answered := 0
	for sent := 0; sent < total; sent += window {
		for i := range window {
			if _, err := pc.WriteTo(packets[i%2], s.Addr()); err != nil {
				t.Fatal(err)
			}
		}
		for range window {
			if _, err := read(); err != nil {
				break // lost on loopback: the counters say what arrived
			}
			answered++
		}
	}
	refused := s.Stats().Refusals[relay.ReasonCredentials]
	if refused < total*9/10 {
		t.Fatalf("%d of %d bad requests refused (%d answered)", refused, total, answered)
	}
	s.Close() // writes the summary
	out := logs.String()
	lines := strings.Count(out, "\n")
	logged := strings.Count(out, `msg="relay refused credentials"`)
	t.Logf("%d bad requests refused: %d log lines, %d of them refusals", refused, lines, logged)
	if lines > 40 {
		t.Errorf("%d log lines for %d bad requests, want a few dozen at most", lines, refused)
	}
	m := regexp.MustCompile(`reason=credentials suppressed=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary of the suppressed lines:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); uint64(n+logged) != refused {
		t.Errorf("summary says %d suppressed, %d logged; want %d together", n, logged, refused)
	}
}
