package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"
)

// Send offers src's files over conn and streams them to the receiver. It
// returns nil only once the receiver has verified every file and moved it into
// place.
//
// On error, Send tells the receiver why (when the connection still works),
// then closes conn so that nothing stays blocked on it; on success the caller
// closes conn. When ctx is done, Send closes conn (Abort, when conn has it:
// nothing written needs delivering) and returns an error wrapping
// ctx.Err().
func Send(ctx context.Context, conn io.ReadWriteCloser, src Source, opts SendOptions) (Result, error) {
	start := time.Now()
	s := &sender{conn: conn, src: src, progress: opts.Progress, software: opts.Software}
	err := s.prepare(opts)
	if err == nil {
		stop := context.AfterFunc(ctx, func() { closeOnCancel(conn) })
		err = s.run(ctx)
		stop()
	}
	res := s.result()
	res.Duration = time.Since(start)
	if err != nil {
		return res, s.fail(ctx, err)
	}
	return res, nil
}

// sender is the state of one Send.
type sender struct {
	conn     io.ReadWriteCloser
	out      *batchWriter // conn, small frames gathered (batch.go)
	src      Source
	progress Progress
	software string // SendOptions.Software
	m        Manifest
	chunk    int  // payload bytes of a data frame
	zchunk   int  // bytes of a slice the compressor tries
	noZ      bool // SendOptions.NoCompression
	version  uint16
	fb       frameBuf
	slots    []*slot // slices of a file on their way (sendpipe.go)
	free     []*slot
	queue    []*slot // in flight, oldest first
	comp     *compressor
	hash     hash.Hash
	ib       *inbox
	haves    map[uint32]haveRecord
	pending  []sentFile    // sent, not yet acknowledged
	aborted  []abortedFile // files that changed as we read them (sendabort.go)
	current  int           // entry being sent, -1 before the first
	stage    string        // what Send waits for before the first file, for messages
	files    int           // acknowledged files
	bytes    int64         // sizes of the files sent
	sent     int64         // payload bytes written
	wire     int64         // what they took on the channel (compressed or not)
	resumed  int64         // bytes not sent thanks to resume
}

func (s *sender) prepare(opts SendOptions) error {
	s.current = -1
	switch {
	case opts.ChunkSize == 0:
		s.chunk = DefaultChunkSize
	case opts.ChunkSize < 0 || opts.ChunkSize > MaxChunkSize:
		return fmt.Errorf("chunk size %d is outside 1 to %d bytes", opts.ChunkSize, MaxChunkSize)
	default:
		s.chunk = opts.ChunkSize
	}
	m := s.src.Manifest()
	if len(m.Entries) > MaxEntries {
		return fmt.Errorf("%d files and directories are more than the %d a transfer may hold; send fewer at once", len(m.Entries), MaxEntries)
	}
	m.TotalBytes = 0
	for _, e := range m.Entries {
		if err := checkSendEntry(e); err != nil {
			return fmt.Errorf("cannot send: %w", err)
		}
		if e.Size > 0 {
			m.TotalBytes += e.Size
		}
	}
	if err := checkEntries(m.Entries); err != nil {
		return fmt.Errorf("cannot send: %w", err)
	}
	if len(m.Entries) > 1 && m.Entries[0].Text {
		return errors.New("cannot send: a text message must be sent on its own")
	}
	s.m = m
	s.noZ = opts.NoCompression
	s.zchunk = min(zSliceFactor*s.chunk, MaxChunkSize)
	s.hash = sha256.New()
	return nil
}

func (s *sender) run(ctx context.Context) error {
	s.ib = startInbox(newFrameReader(s.conn), s.m)
	s.out = newBatchWriter(s.conn)
	s.stage = "before the receiver answered"
	local := localHello(roleSender, s.software)
	if err := s.fb.write(s.conn, frameHello, appendHello(nil, local)); err != nil {
		return err
	}
	msg, err := s.ib.next(ctx)
	if err != nil {
		return err
	}
	if s.version, err = negotiate(local, msg.(hello)); err != nil {
		return err
	}
	if err := s.makeSlots(); err != nil {
		return err
	}
	if s.comp != nil {
		defer s.comp.close()
	}
	end, err := encodeManifest(s.m.Entries, func(p []byte) error {
		return s.fb.write(s.out, frameManifest, p)
	})
	if err != nil {
		return err
	}
	if err := s.fb.write(s.out, frameManifestEnd, end); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	s.stage = "while waiting for the receiver to accept"
	if err := s.awaitAnswer(ctx); err != nil {
		return err
	}
	for i, e := range s.m.Entries {
		if e.Mode.IsDir() {
			continue
		}
		if err := s.sendFile(ctx, i); err != nil {
			return err
		}
	}
	s.current = len(s.m.Entries)
	done := totals{files: uint32(len(s.pending) - s.abortsPending() + s.files), bytes: uint64(s.bytes)}
	if err := s.fb.write(s.out, frameDone, appendTotals(nil, done)); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	if err := s.awaitDone(ctx, done); err != nil {
		return err
	}
	return s.abortedError()
}

// flush writes the frames that s.out gathered.
func (s *sender) flush() error {
	if err := s.out.Flush(); err != nil {
		return writeError(err)
	}
	return nil
}

// awaitAnswer collects the receiver's have records up to its accept.
func (s *sender) awaitAnswer(ctx context.Context) error {
	s.haves = map[uint32]haveRecord{}
	for {
		msg, err := s.ib.next(ctx)
		if err != nil {
			return err
		}
		switch msg := msg.(type) {
		case []haveRecord:
			for _, h := range msg {
				s.haves[h.index] = h
			}
		case acceptMsg:
			return nil
		case declineMsg:
			return &remoteError{kind: kindDeclined, peer: "receiver", msg: msg.reason}
		}
	}
}

// awaitDone waits for the last acks and the done ack.
func (s *sender) awaitDone(ctx context.Context, want totals) error {
	for {
		msg, err := s.ib.next(ctx)
		if err != nil {
			return err
		}
		switch msg := msg.(type) {
		case fileSum:
			if err := s.acked(msg); err != nil {
				return err
			}
		case fileAbort:
			if err := s.abortAcked(msg); err != nil {
				return err
			}
		case totals:
			if msg != want || len(s.pending) > 0 {
				return fmt.Errorf("%w: the receiver confirmed %d files and %d bytes, %d and %d were sent",
					ErrProtocol, msg.files, msg.bytes, want.files, want.bytes)
			}
			return nil
		}
	}
}

// drainAcks handles the acks that arrived while sending, without waiting.
func (s *sender) drainAcks() error {
	for {
		msg, ok, err := s.ib.poll()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch msg := msg.(type) {
		case fileSum:
			err = s.acked(msg)
		case fileAbort:
			err = s.abortAcked(msg)
		default:
			err = fmt.Errorf("%w: unexpected message from the receiver while sending", ErrProtocol)
		}
		if err != nil {
			return err
		}
	}
}

func (s *sender) acked(ack fileSum) error {
	if len(s.pending) == 0 || s.pending[0].sum.index != ack.index {
		return fmt.Errorf("%w: the receiver acknowledged entry %d before it was sent", ErrProtocol, ack.index)
	}
	if s.pending[0].aborted {
		return fmt.Errorf("%w: the receiver acknowledged %s, which was aborted", ErrProtocol, quoteName(s.m.Entries[ack.index].Path))
	}
	want := s.pending[0].sum
	s.pending = s.pending[1:]
	path := s.m.Entries[ack.index].Path
	if ack != want {
		return fmt.Errorf("%w: the receiver reports SHA-256 %x and %d bytes for %s, the sender sent %x and %d bytes",
			ErrIntegrity, ack.sum, ack.size, quoteName(path), want.sum, want.size)
	}
	s.files++
	if s.progress != nil {
		s.progress.FileDone(FileResult{Path: path, Size: int64(ack.size), SHA256: hex.EncodeToString(ack.sum[:])})
	}
	return nil
}

func (s *sender) reportProgress() {
	if s.progress != nil {
		s.progress.Transferred(s.resumed+s.sent, s.m.TotalBytes)
	}
}

func (s *sender) result() Result {
	return Result{Files: s.files, Bytes: s.bytes, Transferred: s.sent, Resumed: s.resumed, WireBytes: s.wire}
}

// fail tells the receiver what went wrong (unless the receiver told us, or the
// connection itself failed), closes conn and returns the error to report.
func (s *sender) fail(ctx context.Context, err error) error {
	var re *remoteError
	var ce *connError
	var t told
	if ctx.Err() != nil {
		err = ctx.Err()
	} else if !errors.As(err, &re) && !errors.As(err, &ce) && !errors.As(err, &t) && s.ib != nil {
		kind, msg := peerMessage(err)
		sendErrorFrame(s.conn, kind, msg)
	}
	s.conn.Close()
	if s.ib != nil {
		<-s.ib.exited
		if remote := s.ib.remote(); remote != nil && ctx.Err() == nil {
			err = remote // what the receiver said explains our failure best
		}
	}
	where := s.where()
	if errors.As(err, &re) && s.current < 0 {
		where = "" // the receiver's answer to the offer says it all
	}
	if errors.Is(err, ErrPeerClosed) && s.current >= 0 && s.current < len(s.m.Entries) && s.m.Entries[s.current].Size >= 0 && ctx.Err() == nil {
		where += "; the receiver keeps what arrived: send again (with any code) into the same place to resume"
	}
	return fmt.Errorf("send: %w%s", err, where)
}

// where says how far the transfer got, for error messages.
func (s *sender) where() string {
	switch {
	case s.current < 0 && s.stage == "":
		return ""
	case s.current < 0:
		return " (" + s.stage + ")"
	case s.current >= len(s.m.Entries):
		return fmt.Sprintf(" (all files sent; %d of %d confirmed by the receiver)", s.files, countFiles(s.m))
	}
	of := " of " + HumanBytes(s.m.TotalBytes)
	if slices.ContainsFunc(s.m.Entries, func(e Entry) bool { return e.Size < 0 }) {
		of = "" // a stream's size is not known: TotalBytes leaves it out
	}
	return fmt.Sprintf(" (while sending %s; %d of %d files confirmed, %s%s sent)",
		quoteName(s.m.Entries[s.current].Path), s.files, countFiles(s.m), HumanBytes(s.resumed+s.sent), of)
}

func countFiles(m Manifest) int {
	n := 0
	for _, e := range m.Entries {
		if !e.Mode.IsDir() {
			n++
		}
	}
	return n
}

// sendErrorFrame tells the peer why this side stops, giving up after a few
// seconds if the peer does not read. The caller closes conn next.
func sendErrorFrame(conn io.ReadWriteCloser, kind errKind, msg string) {
	b := appendFrame(nil, frameError, appendErrorFrame(nil, kind, msg))
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.Write(b)
	}()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		conn.Close()
		<-done
	}
}
