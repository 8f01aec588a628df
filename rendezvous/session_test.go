package rendezvous

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sessTestTimeout is generous: a handshake takes milliseconds, but other tests
// share the machine. No test waits for it unless something is broken.
const sessTestTimeout = 60 * time.Second

func sessTestCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sessTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// sessMemTransport is one end of an in-memory, ordered, reliable message pipe.
type sessMemTransport struct {
	in  <-chan []byte
	out chan<- []byte
}

func (m *sessMemTransport) Send(ctx context.Context, msg []byte) error {
	select {
	case m.out <- bytes.Clone(msg):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *sessMemTransport) Recv(ctx context.Context) ([]byte, error) {
	select {
	case b := <-m.in:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// sessPipe connects two transports. a's messages go through ab, b's through
// ba, so a test can take messages off the wire or put its own on. With
// buf == 0 a Send waits for the other side's Recv.
func sessPipe(buf int) (a, b *sessMemTransport, ab, ba chan []byte) {
	ab, ba = make(chan []byte, buf), make(chan []byte, buf)
	return &sessMemTransport{in: ba, out: ab}, &sessMemTransport{in: ab, out: ba}, ab, ba
}

type sessResult struct {
	s   *Session
	err error
}

// sessSecureAsync runs Secure in a goroutine.
func sessSecureAsync(ctx context.Context, tr Transport, slot, password string, side Side) <-chan sessResult {
	ch := make(chan sessResult, 1)
	go func() {
		s, err := Secure(ctx, tr, slot, []byte(password), side)
		ch <- sessResult{s, err}
	}()
	return ch
}

// sessSecurePair runs both handshakes and returns both results.
func sessSecurePair(ctx context.Context, ta, tb Transport, slotA, pwA, slotB, pwB string) (a, b sessResult) {
	ca := sessSecureAsync(ctx, ta, slotA, pwA, SideSender)
	cb := sessSecureAsync(ctx, tb, slotB, pwB, SideReceiver)
	return <-ca, <-cb
}

// sessMustPair gives two sessions that completed the handshake over a pipe.
func sessMustPair(t *testing.T, ctx context.Context, buf int) (sa, sb *Session, ab, ba chan []byte) {
	t.Helper()
	ta, tb, ab, ba := sessPipe(buf)
	a, b := sessSecurePair(ctx, ta, tb, "7", "apple-river", "7", "apple-river")
	if a.err != nil || b.err != nil {
		t.Fatalf("handshake with the right code: sender: %v; receiver: %v", a.err, b.err)
	}
	return a.s, b.s, ab, ba
}

func TestSessionRoundTrip(t *testing.T) {
	ctx := sessTestCtx(t)
	sa, sb, _, _ := sessMustPair(t, ctx, 0)

	if sa.Verifier() != sb.Verifier() {
		t.Errorf("verifiers differ: sender %q, receiver %q", sa.Verifier(), sb.Verifier())
	}
	if !regexp.MustCompile(`^[0-9]{4} [0-9]{4}$`).MatchString(sa.Verifier()) {
		t.Errorf("verifier %q does not look like \"1234 5678\"", sa.Verifier())
	}

	big := bytes.Repeat([]byte("x"), MaxSealedMessage)
	msgs := [][]byte{[]byte("offer: v=0 ..."), {}, big, []byte("candidate:1 1 udp ...")}
	for i, m := range msgs {
		// Both directions at once, as pion will do.
		errs := make(chan error, 2)
		go func() { errs <- sa.Send(ctx, m) }()
		reply := bytes.ToUpper(m)
		go func() { errs <- sb.Send(ctx, reply) }()
		gotB, err := sb.Recv(ctx)
		if err != nil {
			t.Fatalf("message %d: receiver: %v", i, err)
		}
		gotA, err := sa.Recv(ctx)
		if err != nil {
			t.Fatalf("message %d: sender: %v", i, err)
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("message %d: send: %v", i, err)
			}
		}
		if !bytes.Equal(gotB, m) {
			t.Errorf("message %d: receiver got %d bytes, want %d", i, len(gotB), len(m))
		}
		if !bytes.Equal(gotA, reply) {
			t.Errorf("message %d: sender got %d bytes, want %d", i, len(gotA), len(reply))
		}
	}

	if err := sa.Send(ctx, append(big, 'y')); err == nil {
		t.Errorf("Send of %d bytes succeeded; the limit is %d", len(big)+1, MaxSealedMessage)
	}
}

func TestSessionWrongCodeFailsOnBothSides(t *testing.T) {
	cases := []struct {
		name                   string
		slotA, pwA, slotB, pwB string
	}{
		{"wrong words", "7", "apple-river", "7", "apple-rivet"},
		{"one word missing", "7", "apple-river", "7", "apple"},
		{"other slot", "7", "apple-river", "8", "apple-river"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := sessTestCtx(t)
			ta, tb, _, _ := sessPipe(0)
			a, b := sessSecurePair(ctx, ta, tb, c.slotA, c.pwA, c.slotB, c.pwB)
			for side, r := range map[string]sessResult{"sender": a, "receiver": b} {
				if !errors.Is(r.err, ErrWrongCode) {
					t.Errorf("%s: error = %v, want ErrWrongCode", side, r.err)
				}
				if r.s != nil {
					t.Errorf("%s: got a session with the wrong code", side)
				}
			}
		})
	}
}

// A relay in the middle runs its own handshake with each side, with a
// guessed password. Both real sides refuse, and the relay gets no key either.
func TestSessionManInTheMiddleWithGuessFails(t *testing.T) {
	ctx := sessTestCtx(t)
	ta, tma, _, _ := sessPipe(0) // sender <-> attacker
	tmb, tb, _, _ := sessPipe(0) // attacker <-> receiver

	sender := sessSecureAsync(ctx, ta, "7", "apple-river", SideSender)
	receiver := sessSecureAsync(ctx, tb, "7", "apple-river", SideReceiver)
	fakeReceiver := sessSecureAsync(ctx, tma, "7", "apple-rivet", SideReceiver)
	fakeSender := sessSecureAsync(ctx, tmb, "7", "apple-rivet", SideSender)

	for name, ch := range map[string]<-chan sessResult{
		"sender": sender, "receiver": receiver,
		"attacker toward sender": fakeReceiver, "attacker toward receiver": fakeSender,
	} {
		if r := <-ch; !errors.Is(r.err, ErrWrongCode) {
			t.Errorf("%s: error = %v, want ErrWrongCode", name, r.err)
		}
	}
}

// A relay that forwards faithfully changes nothing: the handshake succeeds.
func TestSessionThroughForwardingRelay(t *testing.T) {
	ctx := sessTestCtx(t)
	ta, ra, _, _ := sessPipe(0)
	rb, tb, _, _ := sessPipe(0)
	forward := func(from, to Transport) {
		for {
			m, err := from.Recv(ctx)
			if err != nil || to.Send(ctx, m) != nil {
				return
			}
		}
	}
	go forward(ra, rb)
	go forward(rb, ra)
	a, b := sessSecurePair(ctx, ta, tb, "7", "apple-river", "7", "apple-river")
	if a.err != nil || b.err != nil {
		t.Fatalf("sender: %v; receiver: %v", a.err, b.err)
	}
	if err := a.s.Send(ctx, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.s.Recv(ctx); err != nil || string(got) != "hi" {
		t.Fatalf("Recv = %q, %v", got, err)
	}
}

func TestSessionHandshakeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(sessTestCtx(t))
	ta, _, ab, _ := sessPipe(0)
	res := sessSecureAsync(ctx, ta, "7", "apple-river", SideSender)
	<-ab // the hello went out; the peer never answers
	cancel()
	if r := <-res; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Secure = %v; want context.Canceled", r.err)
	}
}

var errSessPeerGone = errors.New("the other side left")

type sessGoneTransport struct{}

func (sessGoneTransport) Send(context.Context, []byte) error   { return nil }
func (sessGoneTransport) Recv(context.Context) ([]byte, error) { return nil, errSessPeerGone }

func TestSessionHandshakeTransportError(t *testing.T) {
	_, err := Secure(sessTestCtx(t), sessGoneTransport{}, "7", []byte("apple-river"), SideReceiver)
	if !errors.Is(err, errSessPeerGone) {
		t.Fatalf("Secure = %v; want the transport's error", err)
	}
}

func TestSecureArgumentErrors(t *testing.T) {
	ctx := sessTestCtx(t)
	if _, err := Secure(ctx, sessGoneTransport{}, "7", nil, SideSender); err == nil {
		t.Error("Secure with an empty password succeeded")
	}
	if _, err := Secure(ctx, sessGoneTransport{}, "7", []byte("pw"), Side(0)); err == nil {
		t.Error("Secure with side 0 succeeded")
	}
}

// sessRecorder keeps a copy of every message that passes through it.
type sessRecorder struct {
	Transport
	mu  sync.Mutex
	log [][]byte
}

func (r *sessRecorder) record(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, bytes.Clone(b))
}

func (r *sessRecorder) Send(ctx context.Context, msg []byte) error {
	r.record(msg)
	return r.Transport.Send(ctx, msg)
}

func (r *sessRecorder) Recv(ctx context.Context) ([]byte, error) {
	b, err := r.Transport.Recv(ctx)
	if err == nil {
		r.record(b)
	}
	return b, err
}

// What the rendezvous server relays never contains the plaintext, nor the
// password.
func TestSessionTransportNeverSeesPlaintext(t *testing.T) {
	ctx := sessTestCtx(t)
	ta, tb, _, _ := sessPipe(0)
	ra, rb := &sessRecorder{Transport: ta}, &sessRecorder{Transport: tb}
	const password = "correct-horse-battery"
	a, b := sessSecurePair(ctx, ra, rb, "7", password, "7", password)
	if a.err != nil || b.err != nil {
		t.Fatalf("sender: %v; receiver: %v", a.err, b.err)
	}
	marker := []byte("PLAINTEXT-MARKER-d0e1f2")
	msg := bytes.Repeat(marker, 100)
	go func() { _ = a.s.Send(ctx, msg) }()
	if got, err := b.s.Recv(ctx); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Recv: %v", err)
	}
	go func() { _ = b.s.Send(ctx, marker) }()
	if _, err := a.s.Recv(ctx); err != nil {
		t.Fatal(err)
	}

	n := 0
	for _, r := range []*sessRecorder{ra, rb} {
		r.mu.Lock()
		for i, m := range r.log {
			n++
			for _, secret := range [][]byte{marker[:8], []byte(password), []byte("horse")} {
				if bytes.Contains(m, secret) {
					t.Errorf("wire message %d contains %q", i, secret)
				}
			}
		}
		r.mu.Unlock()
	}
	if want := 2 * (6 + 2); n != want { // per side: 3 handshake frames each way, 1 message each way
		t.Fatalf("recorded %d messages, want %d", n, want)
	}
}

// pion sends ICE candidates from callbacks on several goroutines while the
// signaling loop receives: concurrent Sends must all arrive, in each
// goroutine's order, while Recv runs on the same session.
func TestSessionConcurrentSend(t *testing.T) {
	ctx := sessTestCtx(t)
	sa, sb, _, _ := sessMustPair(t, ctx, 0)
	const senders, each = 8, 25

	var wg sync.WaitGroup
	errs := make(chan error, senders+1)
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				if err := sa.Send(ctx, fmt.Appendf(nil, "%d/%d", g, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Meanwhile the sender also receives, and the receiver sends.
	wg.Go(func() {
		if err := sb.Send(ctx, []byte("answer")); err != nil {
			errs <- err
		}
	})
	wg.Go(func() {
		if m, err := sa.Recv(ctx); err != nil || string(m) != "answer" {
			errs <- fmt.Errorf("sender's Recv = %q, %v", m, err)
		}
	})

	next := make([]int, senders)
	for range senders * each {
		m, err := sb.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var g, i int
		if _, err := fmt.Sscanf(string(m), "%d/%d", &g, &i); err != nil {
			t.Fatalf("garbled message %q", m)
		}
		if i != next[g] {
			t.Fatalf("goroutine %d: got message %d, want %d", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// sessFailingTransport fails every Send while fail is set.
type sessFailingTransport struct {
	Transport
	fail atomic.Bool
}

func (f *sessFailingTransport) Send(ctx context.Context, msg []byte) error {
	if f.fail.Load() {
		return errSessPeerGone
	}
	return f.Transport.Send(ctx, msg)
}

// A failed send leaves the counters out of step: the session refuses to send
// again rather than produce messages the other side must reject.
func TestSessionSendAfterTransportError(t *testing.T) {
	ctx := sessTestCtx(t)
	ta, tb, _, _ := sessPipe(1)
	fa := &sessFailingTransport{Transport: ta}
	a, b := sessSecurePair(ctx, fa, tb, "7", "apple-river", "7", "apple-river")
	if a.err != nil || b.err != nil {
		t.Fatalf("sender: %v; receiver: %v", a.err, b.err)
	}
	fa.fail.Store(true)
	if err := a.s.Send(ctx, []byte("lost")); !errors.Is(err, errSessPeerGone) {
		t.Fatalf("Send over a failing transport = %v; want its error", err)
	}
	fa.fail.Store(false)
	if err := a.s.Send(ctx, []byte("next")); !errors.Is(err, errSessPeerGone) {
		t.Fatalf("Send after a failed Send = %v; want the earlier error", err)
	}
}
