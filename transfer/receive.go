package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Receive answers a sender on conn and writes the files it accepts under
// opts.Dir, through an os.Root so that nothing lands outside it.
//
// Every name is validated (ValidateName, duplicates, symbolic links inside Dir)
// and existing files are checked before opts.Accept is called; nothing is
// written before Accept returns nil. Each file is written to a temporary file
// (partfile.go) and renamed onto NAME only after its SHA-256 matches (with Overwrite, an
// existing NAME that already holds the sender's bytes is kept and not sent
// again; an existing symbolic link at NAME is replaced, never followed). A
// file that fails its integrity checks is removed; after a cancellation, a
// lost connection or a full disk the temporary file is kept, and running the
// same transfer again resumes from it. Modes: modes.go; free space: space.go.
//
// On error, Receive tells the sender why (when the connection still works),
// then closes conn; on success the caller closes conn. When ctx is done,
// Receive closes conn (Abort, when conn has it) and returns an error
// wrapping ctx.Err().
func Receive(ctx context.Context, conn io.ReadWriteCloser, opts ReceiveOptions) (Result, error) {
	start := time.Now()
	r := &receiver{conn: conn, opts: opts, made: map[string]bool{}}
	var err error
	if (opts.Out == nil && opts.OpenEntry == nil) || opts.Dir != "" {
		err = r.openDir()
	}
	if err == nil {
		stop := context.AfterFunc(ctx, func() { closeOnCancel(conn) })
		err = r.run(ctx)
		stop()
		r.dz.close()
	}
	res := r.result()
	res.Duration = time.Since(start)
	if err != nil {
		return res, r.fail(ctx, err)
	}
	if r.root != nil {
		r.root.Close()
	}
	return res, nil
}

// receiver is the state of one Receive.
type receiver struct {
	conn     io.ReadWriteCloser
	opts     ReceiveOptions
	root     *os.Root
	fr       *frameReader
	fb       frameBuf
	out      *batchWriter // conn, acks gathered while more frames are waiting (batch.go)
	m        Manifest
	held     map[int]*heldPrefix // what Dir already holds, by entry index
	sink     sink                // where a text or a single stream goes instead of Dir
	made     map[string]bool     // directories known to exist
	cur      *incoming           // the file being received
	version  uint16              // negotiated protocol version
	dz       *decompressor       // made at the first dataZ frame
	files    int                 // files verified and in place
	bytes    int64               // their sizes
	written  int64               // payload bytes written
	wire     int64               // what they took on the channel
	resumed  int64               // bytes not received again thanks to resume
	aborted  []abortedFile       // files the sender aborted (receiveabort.go)
	accepted bool
	plan     diskPlan // space needed, directories created (space.go, modes.go)
}

// told marks an error the peer already knows about (a decline).
type told struct{ error }

func (t told) Unwrap() error { return t.error }

func (r *receiver) openDir() error {
	if r.opts.Dir == "" {
		return errors.New("no output directory given")
	}
	root, err := os.OpenRoot(r.opts.Dir)
	if err != nil {
		return fmt.Errorf("cannot open the output directory: %w; create it or choose another", err)
	}
	r.root = root
	return nil
}

func (r *receiver) run(ctx context.Context) error {
	r.fr = newFrameReader(r.conn)
	r.out = newBatchWriter(r.conn)
	local := localHello(roleReceiver, r.opts.Software)
	if err := r.fb.write(r.conn, frameHello, appendHello(nil, local)); err != nil {
		return err
	}
	p, err := r.expect(frameHello)
	if err != nil {
		return err
	}
	peer, err := decodeHello(p)
	if err != nil {
		return err
	}
	if r.version, err = negotiate(local, peer); err != nil {
		return err
	}
	if err := r.readManifest(); err != nil {
		return err
	}
	if err := checkEntries(r.m.Entries); err != nil {
		return fmt.Errorf("%w; the transfer was refused and nothing was written: the sender may be malicious", err)
	}
	if err := r.chooseSink(); err != nil {
		return r.decline(err)
	}
	if r.sink == nil {
		if err := r.checkDir(); err != nil {
			return err
		}
	}
	if r.opts.Accept != nil {
		if err := r.opts.Accept(ctx, r.m); err != nil {
			if !errors.Is(err, ErrDeclined) {
				return err
			}
			return r.decline(err)
		}
	}
	r.accepted = true
	r.held = map[int]*heldPrefix{}
	if r.sink == nil {
		if err := r.makeDirs(); err != nil {
			return err
		}
		if err := r.findHeld(ctx); err != nil {
			return err
		}
	}
	if err := r.sendAccept(); err != nil {
		return err
	}
	if err := r.receiveFiles(ctx); err != nil {
		return err
	}
	return r.abortedError()
}

// decline tells the sender that the offer was declined and why.
func (r *receiver) decline(err error) error {
	_, reason := peerMessage(err)
	if werr := r.fb.write(r.conn, frameDecline, appendText(nil, reason)); werr != nil {
		return werr
	}
	return told{err}
}

// chooseSink decides where a text message or a single stream goes instead of
// files under Dir: ReceiveOptions.Text or ReceiveOptions.Out.
func (r *receiver) chooseSink() error {
	es := r.m.Entries
	switch {
	case len(es) == 1 && es[0].Text:
		if r.opts.Text == nil {
			return fmt.Errorf("%w: the sender sent a text message, which this receiver cannot show", ErrDeclined)
		}
		r.sink = &textSink{out: r.opts.Text}
	case r.opts.OpenEntry != nil:
		r.sink = &entrySink{open: r.opts.OpenEntry}
	case r.opts.Out == nil:
	case (len(es) != 1 || es[0].Mode.IsDir()) && r.opts.OutName != "":
		return fmt.Errorf("%w: %s takes a single file, but the sender offers %d entries (%s): send one file (or an archive of them) instead",
			ErrDeclined, r.opts.OutName, len(es), quoteName(es[0].Path))
	case len(es) != 1 || es[0].Mode.IsDir():
		return fmt.Errorf("%w: the receiver asked to write a single file to standard output, but the sender offers %d entries (%s); receive into a directory instead",
			ErrDeclined, len(es), quoteName(es[0].Path))
	default:
		r.sink = &streamSink{out: r.opts.Out}
	}
	return nil
}

// expect reads the next frame and requires type t; an error frame becomes the
// sender's error.
func (r *receiver) expect(t frameType) ([]byte, error) {
	got, p, err := r.fr.next()
	switch {
	case err != nil:
		return nil, err
	case got == frameError:
		return nil, r.remote(p)
	case got != t:
		return nil, fmt.Errorf("%w: expected a %s frame from the sender, got %s", ErrProtocol, t, got)
	}
	return p, nil
}

func (r *receiver) remote(p []byte) error {
	kind, msg, err := decodeErrorFrame(p)
	if err != nil {
		return err
	}
	return &remoteError{kind: kind, peer: "sender", msg: msg}
}

func (r *receiver) readManifest() error {
	dec := newManifestDecoder(r.opts.limits)
	for {
		t, p, err := r.fr.next()
		if err != nil {
			return err
		}
		switch t {
		case frameManifest:
			if err := dec.add(p); err != nil {
				return err
			}
		case frameManifestEnd:
			r.m, err = dec.finish(p)
			return err
		case frameError:
			return r.remote(p)
		default:
			return fmt.Errorf("%w: unexpected %s frame in the manifest", ErrProtocol, t)
		}
	}
}

// sendAccept sends the have records, in as many frames as needed, and accept.
func (r *receiver) sendAccept() error {
	const perFrame = maxControlPayload / haveRecordLen
	var p []byte
	n := 0
	for i := range r.m.Entries {
		h, ok := r.held[i]
		if !ok {
			continue
		}
		p = appendHave(p, haveRecord{index: uint32(i), offset: uint64(h.offset), sum: h.sum})
		n++
		if len(p) >= perFrame*haveRecordLen {
			if err := r.fb.write(r.conn, frameHave, p); err != nil {
				return err
			}
			p = p[:0]
		}
	}
	if len(p) > 0 {
		if err := r.fb.write(r.conn, frameHave, p); err != nil {
			return err
		}
	}
	return r.fb.write(r.conn, frameAccept, appendUint32(nil, uint32(n)))
}

func (r *receiver) result() Result {
	return Result{Files: r.files, Bytes: r.bytes, Transferred: r.written, Resumed: r.resumed, WireBytes: r.wire}
}

// fail tells the sender what went wrong (unless the sender told us, or the
// connection itself failed), closes conn and the current file, and returns the
// error to report.
func (r *receiver) fail(ctx context.Context, err error) error {
	var re *remoteError
	var ce *connError
	var t told
	if ctx.Err() != nil {
		err = ctx.Err()
	} else if !errors.As(err, &re) && !errors.As(err, &ce) && !errors.As(err, &t) && r.fr != nil {
		kind, msg := peerMessage(err)
		sendErrorFrame(r.conn, kind, msg)
	}
	r.conn.Close()
	where := r.where()
	note := r.closeCurrent(err)
	if r.root != nil {
		r.finishDirs() // best effort: what is kept for a resume gets its final modes
	}
	if r.root != nil {
		r.root.Close()
	}
	return fmt.Errorf("receive: %w%s%s", err, where, note)
}

// where says how far the transfer got, for error messages.
func (r *receiver) where() string {
	if !r.accepted {
		return ""
	}
	total := countFiles(r.m)
	if r.cur == nil {
		return fmt.Sprintf(" (%d of %d files received)", r.files, total)
	}
	size := "an unknown size"
	if r.cur.entry.Size >= 0 {
		size = HumanBytes(r.cur.entry.Size)
	}
	return fmt.Sprintf(" (while receiving %s: %s of %s; %d of %d files received)",
		quoteName(r.cur.entry.Path), HumanBytes(r.cur.off), size, r.files, total)
}

func appendUint32(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
