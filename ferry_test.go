package ferry_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-dev/ferry"
)

func TestMain(m *testing.M) {
	ferry.KeepLoopbackOnly()
	os.Exit(m.Run())
}

// recorder is an Events that keeps what it heard.
type recorder struct {
	codes chan ferry.CodeInfo // the sender's code, for the receiver

	mu       sync.Mutex
	names    []string // the events in order, progress once per run of them
	files    []ferry.FileResult
	offer    ferry.Manifest
	conn     ferry.Connection
	last     [2]int64 // the last progress: done, total
	done     *ferry.Result
	waitSlot string
}

func newRecorder() *recorder { return &recorder{codes: make(chan ferry.CodeInfo, 1)} }

func (r *recorder) add(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "progress" && len(r.names) > 0 && r.names[len(r.names)-1] == name {
		return
	}
	r.names = append(r.names, name)
}

func (r *recorder) Code(c ferry.CodeInfo) { r.add("code"); r.codes <- c }
func (r *recorder) Waiting(slot string, _ time.Duration) {
	r.add("waiting")
	r.mu.Lock()
	r.waitSlot = slot
	r.mu.Unlock()
}
func (r *recorder) Connected(c ferry.Connection) {
	r.add("connected")
	r.mu.Lock()
	r.conn = c
	r.mu.Unlock()
}
func (r *recorder) Offer(m ferry.Manifest) {
	r.add("offer")
	r.mu.Lock()
	r.offer = m
	r.mu.Unlock()
}
func (r *recorder) Progress(done, total int64) {
	r.add("progress")
	r.mu.Lock()
	r.last = [2]int64{done, total}
	r.mu.Unlock()
}
func (r *recorder) Resumed(string, int64, bool) { r.add("resumed") }
func (r *recorder) Discarded(string, int64)     { r.add("discarded") }
func (r *recorder) File(f ferry.FileResult) {
	r.add("file")
	r.mu.Lock()
	r.files = append(r.files, f)
	r.mu.Unlock()
}
func (r *recorder) Done(res ferry.Result) {
	r.add("done")
	r.mu.Lock()
	r.done = &res
	r.mu.Unlock()
}

func (r *recorder) sequence() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.names)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// startServer runs a rendezvous server in the test, on loopback.
func startServer(t *testing.T) *ferry.LocalServer {
	t.Helper()
	return startServerWith(t, ferry.ServerConfig{})
}

// startServerWith runs a rendezvous server configured by cfg in the test,
// on loopback.
func startServerWith(t *testing.T, cfg ferry.ServerConfig) *ferry.LocalServer {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	srv, err := ferry.StartServer(testContext(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// sendAsync runs Send in a goroutine and returns the sender's code (once it
// holds one) and a channel for its outcome.
func sendAsync(t *testing.T, ctx context.Context, src ferry.Source, cfg ferry.SendConfig, ev *recorder) (ferry.CodeInfo, <-chan error) {
	t.Helper()
	cfg.Events = ev
	errc := make(chan error, 1)
	go func() {
		_, err := ferry.Send(ctx, src, cfg)
		errc <- err
	}()
	select {
	case c := <-ev.codes:
		return c, errc
	case err := <-errc:
		t.Fatalf("send ended before it held a code: %v", err)
	case <-ctx.Done():
		t.Fatal("no code")
	}
	return ferry.CodeInfo{}, nil
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestSendReceiveTree: a directory and a file arrive whole under Dir; each
// side hears its events in order, and the receiver's file events carry the
// SHA-256 of what was sent.
func TestSendReceiveTree(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "new", "out")
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	writeFile(t, filepath.Join(in, "photos", "a.jpg"), big)
	writeFile(t, filepath.Join(in, "photos", "sub", "b.txt"), []byte("bee\n"))
	writeFile(t, filepath.Join(in, "notes.txt"), []byte("notes\n"))

	src, err := ferry.Files(filepath.Join(in, "photos"), filepath.Join(in, "notes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sev, rev := newRecorder(), newRecorder()
	code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}}, sev)
	if code.Server != srv.URL() || !strings.HasSuffix(code.Command, " "+code.Code) {
		t.Fatalf("code event %+v: want the server %s and a command ending in the code", code, srv.URL())
	}
	res, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: code.Server, Code: code.Code, Events: rev}, Dir: out})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("send: %v", err)
	}

	for rel, want := range map[string][]byte{"photos/a.jpg": big, "photos/sub/b.txt": []byte("bee\n"), "notes.txt": []byte("notes\n")} {
		got, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, err %v; want the %d bytes sent", rel, len(got), err, len(want))
		}
	}
	wantBytes := int64(len(big) + 4 + 6)
	if res.Files != 3 || res.Bytes != wantBytes {
		t.Errorf("result %+v: want 3 files, %d bytes", res, wantBytes)
	}
	if want := []string{"offer", "code", "connected", "file", "file", "file", "done"}; !progressBetween(sev.sequence(), want, "connected") {
		t.Errorf("sender's events %v: want %v, with progress after connected", sev.sequence(), want)
	}
	if want := []string{"connected", "offer", "file", "file", "file", "done"}; !progressBetween(rev.sequence(), want, "offer") {
		t.Errorf("receiver's events %v: want %v, with progress after offer", rev.sequence(), want)
	}
	rev.mu.Lock()
	defer rev.mu.Unlock()
	if len(rev.files) != 3 || rev.last != [2]int64{wantBytes, wantBytes} || rev.done == nil || *rev.done != res {
		t.Fatalf("receiver heard files %v, last progress %v, done %v; want 3 files, progress %d of %d, done = the result", rev.files, rev.last, rev.done, wantBytes, wantBytes)
	}
	for _, f := range rev.files {
		if f.Path == "photos/a.jpg" && f.SHA256 != sha(big) {
			t.Errorf("file event %+v: want SHA-256 %s", f, sha(big))
		}
	}
	if rev.offer.TotalBytes != wantBytes || len(rev.offer.Entries) < 3 {
		t.Errorf("offer %+v: want the 3 files and their %d bytes", rev.offer, wantBytes)
	}
	if !rev.conn.Route.Direct || rev.conn.Connections < 1 {
		t.Errorf("connection %+v: want direct, at least one connection", rev.conn)
	}
}

// progressBetween reports whether got is want with progress events added,
// the first of them after the event named after, the last before done.
func progressBetween(got, want []string, after string) bool {
	var rest []string
	first, last := -1, -1
	for i, g := range got {
		if g != "progress" {
			rest = append(rest, g)
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
	}
	return slices.Equal(rest, want) && first > slices.Index(got, after) && last >= 0 && last < slices.Index(got, "done")
}

// TestSendStartsItsOwnServer: with no Server, Send starts one in the process
// for as long as it runs, and its code names where to reach it.
func TestSendStartsItsOwnServer(t *testing.T) {
	ctx := testContext(t)
	src, err := ferry.Text([]byte("hello from a local server"))
	if err != nil {
		t.Fatal(err)
	}
	code, sent := sendAsync(t, ctx, src, ferry.SendConfig{LocalServer: ferry.ServerConfig{Listen: "127.0.0.1:0"}}, newRecorder())
	if !strings.HasPrefix(code.Server, "ws://127.0.0.1:") || code.Command != "ferry receive --server "+code.Server+" "+code.Code {
		t.Fatalf("code event %+v: want a ws://127.0.0.1 server and the verbatim command", code)
	}
	if want := "http://" + strings.TrimPrefix(code.Server, "ws://") + "/#" + code.Code; code.WebURL != want {
		t.Fatalf("code event's WebURL %q, want %q", code.WebURL, want)
	}
	var text bytes.Buffer
	if _, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: code.Server, Code: code.Code}, Text: &text}); err != nil {
		t.Fatalf("receive: %v", err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("send: %v", err)
	}
	if text.String() != "hello from a local server" {
		t.Fatalf("text %q", text.String())
	}
	// The server stopped with Send: a second receiver finds nothing there.
	_, err = ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: code.Server, Code: code.Code}, Dir: t.TempDir()})
	if !errors.Is(err, ferry.ErrUnreachable) {
		t.Fatalf("receive after the sender ended: %v; want ErrUnreachable", err)
	}
}

// TestDeclinedOffer: the receiver's Accept says no; both sides fail with
// ErrDeclined, and nothing is written.
func TestDeclinedOffer(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	in, out := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(in, "secret.bin"), []byte("nope"))
	src, err := ferry.Files(filepath.Join(in, "secret.bin"))
	if err != nil {
		t.Fatal(err)
	}
	code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}}, newRecorder())
	var offered []string
	_, err = ferry.Receive(ctx, ferry.ReceiveConfig{
		Config: ferry.Config{Server: code.Server, Code: code.Code},
		Dir:    out,
		Accept: func(_ context.Context, m ferry.Manifest) error {
			for _, e := range m.Entries {
				offered = append(offered, e.Path)
			}
			return ferry.ErrDeclined
		},
	})
	if !errors.Is(err, ferry.ErrDeclined) {
		t.Fatalf("receive: %v; want ErrDeclined", err)
	}
	if err := <-sent; !errors.Is(err, ferry.ErrDeclined) || strings.Count(err.Error(), "declined") != 1 {
		t.Fatalf("send: %v; want ErrDeclined, said once", err)
	}
	if !slices.Equal(offered, []string{"secret.bin"}) {
		t.Errorf("Accept saw %v, want [secret.bin]", offered)
	}
	if names, _ := os.ReadDir(out); len(names) != 0 {
		t.Errorf("output directory holds %v after a decline", names)
	}
}

// TestWrongCode: the right number with the wrong words fails on both sides
// with ErrWrongCode, before anything is offered.
func TestWrongCode(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	src, err := ferry.Text([]byte("for the right code only"))
	if err != nil {
		t.Fatal(err)
	}
	sev := newRecorder()
	code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL()}}, sev)
	slot, _, _ := strings.Cut(code.Code, "-")
	wrong := slot + "-wrong-words"
	if wrong == code.Code {
		wrong = slot + "-other-words"
	}
	rev := newRecorder()
	var text bytes.Buffer
	_, err = ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: srv.URL(), Code: wrong, Events: rev}, Text: &text})
	if !errors.Is(err, ferry.ErrWrongCode) {
		t.Fatalf("receive with %s: %v; want ErrWrongCode", wrong, err)
	}
	if err := <-sent; !errors.Is(err, ferry.ErrWrongCode) {
		t.Fatalf("send: %v; want ErrWrongCode", err)
	}
	if text.Len() != 0 || slices.Contains(rev.sequence(), "offer") || slices.Contains(rev.sequence(), "connected") {
		t.Fatalf("a wrong code got events %v and text %q", rev.sequence(), text.String())
	}
}

// TestReceiverWaitsForSender: a receiver with Wait that starts first hears
// Waiting (the slot, never the words) and gets the files once the sender
// comes with the chosen code.
func TestReceiverWaitsForSender(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	const code = "4242-alpha-bravo"
	rev := newRecorder()
	var text bytes.Buffer
	received := make(chan error, 1)
	go func() {
		_, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: srv.URL(), Code: code, Events: rev}, Text: &text, Wait: 30 * time.Second})
		received <- err
	}()
	// The sender starts once the receiver said it waits (no sleep: poll the
	// events the receiver heard).
	for !slices.Contains(rev.sequence(), "waiting") {
		select {
		case err := <-received:
			t.Fatalf("receive ended before it waited: %v", err)
		case <-ctx.Done():
			t.Fatal("the receiver never said it waits")
		case <-time.After(10 * time.Millisecond):
		}
	}
	src, err := ferry.Text([]byte("sent second, received anyway"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ferry.Send(ctx, src, ferry.SendConfig{Config: ferry.Config{Server: srv.URL(), Code: code}}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if err := <-received; err != nil {
		t.Fatalf("receive: %v", err)
	}
	if text.String() != "sent second, received anyway" || rev.waitSlot != "4242" {
		t.Fatalf("text %q, waiting slot %q", text.String(), rev.waitSlot)
	}
}

// TestReceiveWithoutWaitFailsAtOnce: no sender under the code and no Wait:
// ErrNoSuchCode, and a message that says what to do.
func TestReceiveWithoutWaitFailsAtOnce(t *testing.T) {
	srv := startServer(t)
	_, err := ferry.Receive(testContext(t), ferry.ReceiveConfig{Config: ferry.Config{Server: srv.URL(), Code: "77-nobody-here"}, Dir: t.TempDir()})
	if !errors.Is(err, ferry.ErrNoSuchCode) || !strings.Contains(err.Error(), "ask the sender") {
		t.Fatalf("receive: %v; want ErrNoSuchCode that says to ask the sender", err)
	}
}

// TestBadInputsAreClearErrors: what a program gets wrong is named before
// anything is dialed or written.
func TestBadInputsAreClearErrors(t *testing.T) {
	ctx := testContext(t)
	out := filepath.Join(t.TempDir(), "never")
	if _, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Server: "ws://127.0.0.1:1", Code: "not a code"}, Dir: out}); !errors.Is(err, ferry.ErrBadCode) {
		t.Errorf("receive with a malformed code: %v; want ErrBadCode", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a malformed code created the output directory: %v", err)
	}
	// No server: it looks on the local network (on no interface here: the
	// tests keep to loopback) and says where it looked and what to do.
	if _, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Code: "7-apple-river"}, Dir: t.TempDir()}); !errors.Is(err, ferry.ErrNoSuchCode) || !strings.Contains(err.Error(), "local network") || !strings.Contains(err.Error(), "--server") {
		t.Errorf("receive without a server: %v; want ErrNoSuchCode, on the local network, and the advice to use --server", err)
	}
	src, _ := ferry.Text([]byte("x"))
	if _, err := ferry.Send(ctx, src, ferry.SendConfig{Config: ferry.Config{Server: "ws://127.0.0.1:1", Code: "7"}}); !errors.Is(err, ferry.ErrBadCode) {
		t.Errorf("send with a code without words: %v; want ErrBadCode", err)
	}
}

// TestConnectAndVerify: Connect gives both sides one byte stream; the two
// Verify callbacks see the same string, and a Verify that says no stops the
// connection on its side.
func TestConnectAndVerify(t *testing.T) {
	ctx := testContext(t)
	srv := startServer(t)
	sev := newRecorder()
	var seen [2]string
	type linkErr struct {
		l   *ferry.Link
		err error
	}
	sender := make(chan linkErr, 1)
	go func() {
		l, err := ferry.Connect(ctx, ferry.ConnectConfig{Side: ferry.Sender, Config: ferry.Config{
			Server: srv.URL(), Events: sev,
			Verify: func(_ context.Context, v string) error { seen[0] = v; return nil },
		}})
		sender <- linkErr{l, err}
	}()
	code := <-sev.codes
	rl, err := ferry.Connect(ctx, ferry.ConnectConfig{Side: ferry.Receiver, Config: ferry.Config{
		Server: code.Server, Code: code.Code,
		Verify: func(_ context.Context, v string) error { seen[1] = v; return nil },
	}})
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	defer rl.Close()
	s := <-sender
	if s.err != nil {
		t.Fatalf("sender: %v", s.err)
	}
	defer s.l.Close()
	if seen[0] == "" || seen[0] != seen[1] {
		t.Fatalf("verification strings %q and %q: want the same, not empty", seen[0], seen[1])
	}
	if _, err := s.l.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(rl, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v; want ping", buf, err)
	}
	if c := rl.Connection(); !c.Route.Direct || c.Route.LocalType == "" {
		t.Fatalf("connection %+v: want a direct route with candidate types", c)
	}

	// A Verify that reports a mismatch ends its side with its error.
	sev2 := newRecorder()
	go func() {
		_, err := ferry.Connect(ctx, ferry.ConnectConfig{Side: ferry.Sender, Config: ferry.Config{Server: srv.URL(), Events: sev2}})
		sender <- linkErr{nil, err}
	}()
	code = <-sev2.codes
	mismatch := errors.New("the strings differ")
	_, err = ferry.Connect(ctx, ferry.ConnectConfig{Side: ferry.Receiver, Config: ferry.Config{
		Server: code.Server, Code: code.Code,
		Verify: func(context.Context, string) error { return mismatch },
	}})
	if !errors.Is(err, mismatch) {
		t.Fatalf("receiver whose Verify said no: %v", err)
	}
	if s := <-sender; s.err == nil {
		s.l.Close()
		t.Fatal("the sender connected to a receiver that refused the verification")
	}
}

// TestLANSkipsSilentAndWrongServers: a receiver with no server asks every
// server found on the LAN in turn: one that accepts and never answers (any
// host on the LAN can answer mDNS) costs it one bounded try, one without its
// code a quick "no", and the one that holds its code pairs.
func TestLANSkipsSilentAndWrongServers(t *testing.T) {
	ctx := testContext(t)
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	other, holder := startServer(t), startServer(t)
	src, err := ferry.Text([]byte("found on the LAN"))
	if err != nil {
		t.Fatal(err)
	}
	code, sent := sendAsync(t, ctx, src, ferry.SendConfig{Config: ferry.Config{Server: holder.URL()}}, newRecorder())
	defer ferry.FakeLAN(300*time.Millisecond, "ws://"+silent.Addr().String(), other.URL(), holder.URL())()
	var text bytes.Buffer
	start := time.Now()
	if _, err := ferry.Receive(ctx, ferry.ReceiveConfig{Config: ferry.Config{Code: code.Code}, Text: &text}); err != nil {
		t.Fatalf("receive with no server: %v", err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("send: %v", err)
	}
	if text.String() != "found on the LAN" || time.Since(start) > 20*time.Second {
		t.Fatalf("text %q after %s", text.String(), time.Since(start))
	}
}
