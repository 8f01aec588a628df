package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// TestWrongCodeBurnsTheSlot: a receiver with the wrong words makes both sides
// exit 3 with nothing written, and the right code no longer works afterwards.
func TestWrongCodeBurnsTheSlot(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, _ := randomFile(t, src, "precious.bin", 1<<20)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "21-right-words", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	guesser := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "21-wrong-guess")
	gc, gevents := guesser.wait(60 * time.Second)
	sc, sevents := sender.wait(60 * time.Second)
	if gc != 3 || sc != 3 {
		t.Fatalf("exit codes: guesser %d, sender %d, want 3 and 3\nguesser stderr:\n%s\nsender stderr:\n%s", gc, sc, guesser.stderr, sender.stderr)
	}
	for name, evs := range map[string][]event{"guesser": gevents, "sender": sevents} {
		e, ok := findEvent(evs, "error")
		if !ok || e.str("kind") != "wrong_code" || !strings.Contains(e.str("message"), "wrong code") {
			t.Fatalf("%s error event = %v, want kind wrong_code with a message saying wrong code", name, e)
		}
	}
	if !strings.Contains(sender.stderr.String(), "ask for a new code") {
		t.Fatalf("sender's message does not say what to do:\n%s", sender.stderr)
	}
	if names := dirNames(t, out); len(names) != 0 {
		t.Fatalf("output dir holds %v after a wrong code, want nothing", names)
	}

	late := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "21-right-words")
	if lc, _ := late.wait(60 * time.Second); lc != 3 {
		t.Fatalf("the right code after a wrong guess: exit %d, want 3 (the slot is gone); stderr:\n%s", lc, late.stderr)
	}
	if names := dirNames(t, out); len(names) != 0 {
		t.Fatalf("output dir holds %v, want nothing", names)
	}
}

// TestGarbageFromJoinerIsAWrongCode: someone who joins a waiting sender's
// code and sends anything but ferry's key exchange makes the sender fail as
// for a wrong code (exit 3, "someone tried to guess it"), not with advice to
// upgrade ferry (exit 1), and nothing reaches the joiner.
func TestGarbageFromJoinerIsAWrongCode(t *testing.T) {
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "victim.bin", 1<<20)
	for i, garbage := range []string{"hello?", "GET / HTTP/1.1\r\nHost: ferry\r\n\r\n", strings.Repeat("\x07\xfe", 40)} {
		code := fmt.Sprintf("%d-garbage-joiner", 40+i)
		sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", code, "--json", path)
		sender.waitEvent("code", 30*time.Second)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		rz, err := rendezvousclient.Dial(ctx, server)
		if err != nil {
			t.Fatal(err)
		}
		if err := rz.Join(ctx, fmt.Sprint(40+i)); err != nil {
			t.Fatal(err)
		}
		if err := rz.Send(ctx, []byte(garbage)); err != nil {
			t.Fatal(err)
		}
		sc, events := sender.wait(60 * time.Second)
		_ = rz.Close()
		cancel()
		if sc != 3 {
			t.Fatalf("garbage %q: sender exit %d, want 3\nstderr:\n%s", garbage, sc, sender.stderr)
		}
		e, ok := findEvent(events, "error")
		if !ok || e.str("kind") != "wrong_code" || !strings.Contains(e.str("message"), "someone tried to guess it") {
			t.Fatalf("garbage %q: error event %v, want kind wrong_code saying someone tried to guess it", garbage, e)
		}
		if msg := sender.stderr.String(); strings.Contains(msg, "upgrade") {
			t.Fatalf("garbage %q: the sender is told to upgrade:\n%s", garbage, msg)
		}
	}
}

// recorder is a websocket proxy between clients and a real ferry-rendezvous
// that records every message in both directions.
type recorder struct {
	mu       sync.Mutex
	messages []string
}

func (r *recorder) record(m []byte) {
	r.mu.Lock()
	r.messages = append(r.messages, string(m))
	r.mu.Unlock()
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.messages...)
}

func startRecorder(t *testing.T, upstream string) (string, *recorder) {
	t.Helper()
	rec := &recorder{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		up, resp, err := websocket.Dial(req.Context(), upstream+req.URL.Path, nil)
		if err != nil {
			status := http.StatusBadGateway
			if resp != nil {
				status = resp.StatusCode
			}
			http.Error(w, err.Error(), status)
			return
		}
		down, err := websocket.Accept(w, req, nil)
		if err != nil {
			up.CloseNow()
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pipe := func(from, to *websocket.Conn) {
			defer cancel()
			for {
				typ, msg, err := from.Read(ctx)
				if err != nil {
					var ce websocket.CloseError
					if errors.As(err, &ce) {
						_ = to.Close(ce.Code, ce.Reason)
					} else {
						to.CloseNow()
					}
					return
				}
				rec.record(msg)
				if err := to.Write(ctx, typ, msg); err != nil {
					return
				}
			}
		}
		go pipe(down, up)
		pipe(up, down)
		<-ctx.Done()
	}))
	t.Cleanup(hs.Close)
	return "ws://" + strings.TrimPrefix(hs.URL, "http://"), rec
}

// TestRendezvousSeesNothing: through a proxy that records every message
// between the clients and a real ferry-rendezvous, a transfer succeeds and the
// recording holds no SDP, no ICE candidate, no file name and no code word.
func TestRendezvousSeesNothing(t *testing.T) {
	server := startRendezvous(t)
	proxy, rec := startRecorder(t, server)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "secret-plans.bin", 4<<20)

	sender := start(t, nil, nil, bin.ferry, "send", "--server", proxy, "--code", "31-quokka-zephyr", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", proxy, "--yes", "--out", out, "--json", "31-quokka-zephyr")
	rc, _ := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "secret-plans.bin")); got != sum {
		t.Fatalf("received sha256 %s, want %s", got, sum)
	}
	checkSealed(t, rec.all())
}

// checkSealed asserts what the rendezvous server saw of a successful
// transfer: every relayed body (base64 in the JSON, so it is decoded here)
// is a frame of the session protocol — in each direction a hello, a key
// share and a key confirmation, then only sealed frames — and no message,
// raw or decoded, holds SDP, an ICE candidate, a file name or a code word.
func checkSealed(t *testing.T, msgs []string) {
	t.Helper()
	const version, hello, share, confirm, sealed = 1, 1, 2, 3, 4
	handshake := []struct {
		typ  byte
		size int // the frame's size: a 2-byte header and the body
	}{{hello, 2 + 32}, {share, 2 + 32}, {confirm, 2 + 64}}
	secrets := []string{"v=0", "a=fingerprint", "candidate", "ice-pwd", "ice-ufrag", "sdp", "offer", "answer", "secret-plans", "quokka", "zephyr"}
	// The proxy records both legs of every relay (client -> server and
	// server -> other client), so each body appears twice: frames are
	// counted once, in the order they first appeared.
	seen := map[string]int{}
	var order []string
	for _, m := range msgs {
		var msg struct {
			Type string `json:"type"`
			Body []byte `json:"body"`
		}
		if err := json.Unmarshal([]byte(m), &msg); err != nil {
			t.Fatalf("the proxy recorded a message that is not JSON: %v: %.200q", err, m)
		}
		// The raw JSON without its base64 body (where any short string can
		// turn up by chance), and the body decoded.
		raw := strings.Replace(m, base64.StdEncoding.EncodeToString(msg.Body), "", 1)
		for _, text := range []string{raw, string(msg.Body)} {
			for _, secret := range secrets {
				if strings.Contains(strings.ToLower(text), secret) {
					t.Fatalf("the rendezvous server saw %q in a message: %.300q", secret, text)
				}
			}
		}
		if msg.Type != "relay" {
			continue
		}
		if len(msg.Body) < 2 || msg.Body[0] != version {
			t.Fatalf("a relayed body is not a session frame: %.80x", msg.Body)
		}
		key := string(msg.Body)
		if seen[key] == 0 {
			order = append(order, key)
		}
		seen[key]++
	}
	// The bodies in the order they first appeared: the two hellos, the two
	// shares and the two confirmations (the sides send each flight at once,
	// so their order within a flight is free), then sealed frames only.
	if len(order) < 6+2 {
		t.Fatalf("the server relayed %d distinct bodies: not a handshake and sealed signaling", len(order))
	}
	for i, key := range order {
		b := []byte(key)
		if i < 6 {
			want := handshake[i/2]
			if b[1] != want.typ || len(b) != want.size {
				t.Fatalf("relayed body %d: type %d, %d bytes; want type %d of %d bytes (the handshake)", i, b[1], len(b), want.typ, want.size)
			}
			continue
		}
		if b[1] != sealed {
			t.Fatalf("relayed body %d after the handshake: type %d, want only sealed frames (type %d)", i, b[1], sealed)
		}
	}
}

// TestCodeFromEnvironment: FERRY_CODE works for both sides, so a script never
// puts the code on a command line where other local users could read it.
func TestCodeFromEnvironment(t *testing.T) {
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "env.bin", 1<<20)
	env := []string{"FERRY_CODE=88-from-environment", "FERRY_SERVER=" + server}
	sender := start(t, env, nil, bin.ferry, "send", "--json", path)
	if ev := sender.waitEvent("code", 30*time.Second); ev.str("code") != "88-from-environment" {
		t.Fatalf("code event %v, want the code from FERRY_CODE", ev)
	}
	receiver := start(t, env, nil, bin.ferry, "receive", "--yes", "--out", out, "--json")
	rc, _ := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver:\n%s\nsender:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "env.bin")); got != sum {
		t.Fatalf("sha256 %s, want %s", got, sum)
	}
}
