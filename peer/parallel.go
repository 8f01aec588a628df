package peer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Several PeerConnections in parallel. pion runs each SCTP association on a
// few goroutines of its own (the send loop packs, encrypts and sends every
// packet), so one connection keeps about one core busy on each side; on a
// machine with more cores, N connections carry up to N times as much.
//
// ConnectLink agrees on N with the peer, sets up the N connections at once
// and stripes one byte stream over them (Link): bytes [k*StripeSize,
// (k+1)*StripeSize) of the stream travel on connection k mod N, so the
// receiving side puts the stream back together by reading the connections
// in turn, with no framing and no reordering buffer.
//
// Signaling, before the connections' own messages:
//
//	offerer -> {"v":1,"kind":"parallel","n":4}   (only when it wants more than 1)
//	answerer -> {"v":1,"kind":"parallel","n":2}  (at most what was asked)
//	both    -> {"v":1,"kind":"mux","stream":i,"data":{...}} for connection i
//
// An offerer that wants one connection sends none of this: its messages are
// those of Connect, so a single connection is what an older peer speaks too.

const (
	// MaxParallel bounds the connections of a Link.
	MaxParallel = 8
	// StripeSize is how many bytes of the stream go on one connection before
	// the next one takes over.
	StripeSize = 256 << 10

	kindParallel = "parallel"
	kindMux      = "mux"
)

// parallelSignal is a signaling message of the parallel layer.
type parallelSignal struct {
	V      int             `json:"v"`
	Kind   string          `json:"kind"`
	N      int             `json:"n,omitempty"`
	Stream int             `json:"stream,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

func encodeParallel(s parallelSignal) []byte {
	s.V = signalVersion
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("peer: encoding signaling message: %v", err)) // ints and valid JSON: cannot fail
	}
	return b
}

// decodeParallel parses a message of the parallel layer; ok is false when b
// is some other signaling message (or not one at all).
func decodeParallel(b []byte) (s parallelSignal, ok bool, err error) {
	if len(b) > maxSignalSize {
		return s, false, fmt.Errorf("%w: %d bytes, more than the %d-byte limit", errSignal, len(b), maxSignalSize)
	}
	if json.Unmarshal(b, &s) != nil || s.V != signalVersion || (s.Kind != kindParallel && s.Kind != kindMux) {
		return s, false, nil // Connect's own decoding explains what is wrong with it
	}
	switch {
	case s.Kind == kindParallel && (s.N < 1 || s.N > MaxParallel):
		return s, false, fmt.Errorf("%w: the peer asks for %d parallel connections (1 to %d)", errSignal, s.N, MaxParallel)
	case s.Kind == kindMux && len(s.Data) == 0:
		return s, false, fmt.Errorf("%w: mux message without data", errSignal)
	}
	return s, true, nil
}

// ConnectLink sets up a Link with the peer on the other end of sig: as many
// connections as the offerer's Config.Parallel asks for and the answerer's
// allows (0: DefaultParallel on each side), each as Connect sets it up with
// cfg. It fails as Connect does; when one connection fails, the others are
// closed. Once it returns, it no longer uses sig.
func ConnectLink(ctx context.Context, sig Signaler, role Role, cfg Config) (*Link, error) {
	want := cfg.Parallel
	if want == 0 {
		want = DefaultParallel()
	}
	if want < 1 || want > MaxParallel {
		return nil, fmt.Errorf("peer: config: Parallel %d is out of range (1 to %d)", want, MaxParallel)
	}
	n, first, err := agree(ctx, sig, role, want)
	if err != nil {
		return nil, err
	}
	if n == 1 {
		if first != nil {
			sig = &replaySignaler{Signaler: sig, first: first}
		}
		c, err := Connect(ctx, sig, role, cfg)
		if err != nil {
			return nil, err
		}
		return newLink([]*Conn{c}), nil
	}
	conns, err := connectAll(ctx, sig, role, cfg, n)
	if err != nil {
		return nil, err
	}
	return newLink(conns), nil
}

// agree settles the number of connections. For the answerer, first is the
// offerer's first message when that was already one of Connect's (the
// offerer wants a single connection).
func agree(ctx context.Context, sig Signaler, role Role, want int) (n int, first []byte, err error) {
	if role == Offerer {
		if want == 1 {
			return 1, nil, nil
		}
		if err := sendCount(ctx, sig, want); err != nil {
			return 0, nil, err
		}
		s, ok, _, err := recvParallel(ctx, sig)
		switch {
		case err != nil:
			return 0, nil, err
		case !ok || s.Kind != kindParallel:
			return 0, nil, fmt.Errorf("%w: the peer did not answer the number of parallel connections: "+
				"it may run an older ferry; use the same version on both sides, or --parallel 1", errSignal)
		case s.N > want:
			return 0, nil, fmt.Errorf("%w: the peer agreed to %d parallel connections, more than the %d asked for", errSignal, s.N, want)
		}
		return s.N, nil, nil
	}
	s, ok, b, err := recvParallel(ctx, sig)
	switch {
	case err != nil:
		return 0, nil, err
	case !ok:
		return 1, b, nil // Connect's first message: a single connection
	case s.Kind != kindParallel:
		return 0, nil, fmt.Errorf("%w: a mux message before the number of parallel connections was agreed", errSignal)
	}
	n = min(s.N, want)
	return n, nil, sendCount(ctx, sig, n)
}

// sendCount sends the number of connections asked for or agreed to.
func sendCount(ctx context.Context, sig Signaler, n int) error {
	if err := sig.Send(ctx, encodeParallel(parallelSignal{Kind: kindParallel, N: n})); err != nil {
		return fmt.Errorf("peer: sending to the peer through the rendezvous server: %w", err)
	}
	return nil
}

// recvParallel receives the peer's next message; ok says whether it is one
// of the parallel layer's (s), b is the message as it came.
func recvParallel(ctx context.Context, sig Signaler) (s parallelSignal, ok bool, b []byte, err error) {
	b, err = sig.Recv(ctx)
	if err != nil {
		return s, false, nil, fmt.Errorf("peer: receiving from the peer through the rendezvous server: %w", err)
	}
	s, ok, err = decodeParallel(b)
	return s, ok, b, err
}

// connectAll runs n Connects at once over one signaling path.
func connectAll(ctx context.Context, sig Signaler, role Role, cfg Config, n int) ([]*Conn, error) {
	dctx, stop := context.WithCancel(ctx)
	m := newMux(sig, n)
	demuxDone := make(chan struct{})
	go func() {
		defer close(demuxDone)
		m.demux(dctx)
	}()
	defer func() {
		stop()
		<-demuxDone
	}()

	cfg = cfg.shared(n)
	conns := make([]*Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			conns[i], errs[i] = Connect(dctx, m.stream(i), role, cfg)
			if errs[i] != nil {
				stop() // no use waiting for the others
			}
		})
	}
	wg.Wait()
	if err := firstCause(errs); err != nil {
		for _, c := range conns {
			if c != nil {
				c.Close() //nolint:errcheck // reporting why the link failed
			}
		}
		return nil, err
	}
	return conns, nil
}

// shared is the Config of each of n connections: they share the buffers one
// connection would have (the sender's high-water mark, the receiver's
// window), each getting an nth, at least minShare, so that memory grows
// little with the number of connections. The whole link still has as much
// data in flight as one connection: on a long path (where the window bounds
// the speed) n connections are as fast as one, and where the CPU bounds it
// they spread the work over n cores.
func (cfg Config) shared(n int) Config {
	const minShare = 1 << 20
	if n <= 1 {
		return cfg
	}
	share := func(v, def int) int {
		if v == 0 {
			v = def
		}
		return max(v/n, min(v, minShare))
	}
	cfg.HighWater = share(cfg.HighWater, DefaultHighWater)
	if cfg.LowWater >= cfg.HighWater {
		cfg.LowWater = cfg.HighWater / 4
	}
	cfg.ReceiveWindow = share(cfg.ReceiveWindow, DefaultReceiveWindow)
	return cfg
}

// firstCause picks the error to report: the first that is not merely the
// cancellation another connection's failure caused.
func firstCause(errs []error) error {
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if !errors.Is(err, context.Canceled) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// replaySignaler hands out a message already received before the rest.
type replaySignaler struct {
	Signaler
	first []byte
}

func (r *replaySignaler) Recv(ctx context.Context) ([]byte, error) {
	if b := r.first; b != nil {
		r.first = nil
		return b, nil
	}
	return r.Signaler.Recv(ctx)
}

// muxQueue bounds the messages waiting for one connection's Connect; a
// connection gets a few dozen (its description and candidates), and what
// arrives for one that is already connected (a late candidate) is dropped.
const muxQueue = 64

// mux carries the signaling of n connections over one Signaler.
type mux struct {
	sig    Signaler
	sendMu sync.Mutex // a Signaler need not take concurrent Sends
	in     []chan []byte
	done   chan struct{} // closed when demux ends, after err is set
	err    error
}

func newMux(sig Signaler, n int) *mux {
	m := &mux{sig: sig, in: make([]chan []byte, n), done: make(chan struct{})}
	for i := range m.in {
		m.in[i] = make(chan []byte, muxQueue)
	}
	return m
}

// demux hands each message to its connection until ctx ends or sig fails.
func (m *mux) demux(ctx context.Context) {
	defer close(m.done)
	for {
		b, err := m.sig.Recv(ctx)
		if err != nil {
			m.err = err
			return
		}
		s, ok, err := decodeParallel(b)
		switch {
		case err != nil:
			m.err = err
			return
		case !ok || s.Kind != kindMux || s.Stream < 0 || s.Stream >= len(m.in):
			m.err = fmt.Errorf("%w: expected a message for one of %d parallel connections, got %.60q", errSignal, len(m.in), b)
			return
		}
		select {
		case m.in[s.Stream] <- []byte(s.Data):
		default: // that connection is done with signaling
		}
	}
}

func (m *mux) stream(i int) Signaler { return &muxStream{m: m, i: i} }

// muxStream is connection i's Signaler.
type muxStream struct {
	m *mux
	i int
}

func (s *muxStream) Send(ctx context.Context, msg []byte) error {
	if !json.Valid(msg) {
		return fmt.Errorf("peer: mux: message for connection %d is not JSON", s.i)
	}
	b := encodeParallel(parallelSignal{Kind: kindMux, Stream: s.i, Data: msg})
	s.m.sendMu.Lock()
	defer s.m.sendMu.Unlock()
	return s.m.sig.Send(ctx, b)
}

func (s *muxStream) Recv(ctx context.Context) ([]byte, error) {
	select {
	case b := <-s.m.in[s.i]:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.m.done:
		select {
		case b := <-s.m.in[s.i]: // delivered before the end
			return b, nil
		default:
		}
		if errors.Is(s.m.err, errSignal) {
			return nil, s.m.err
		}
		return nil, fmt.Errorf("peer: mux: %w", s.m.err)
	}
}
