package transfer

import (
	"context"
	"crypto/sha256"
	"hash/crc32"
	"net"
	"testing"
	"time"
)

// rawPeer speaks the protocol frame by frame with the package's own encoders,
// so that tests can play a lying or broken peer.
type rawPeer struct {
	t      testing.TB
	conn   net.Conn
	frames chan rawFrame
	stop   chan struct{}
}

type rawFrame struct {
	typ frameType
	p   []byte
	err error
}

func newRawPeer(t testing.TB, conn net.Conn) *rawPeer {
	p := &rawPeer{t: t, conn: conn, frames: make(chan rawFrame, 64), stop: make(chan struct{})}
	go func() {
		fr := newFrameReader(conn)
		for {
			typ, b, err := fr.next()
			select {
			case p.frames <- rawFrame{typ, append([]byte(nil), b...), err}:
			case <-p.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(p.stop)
		conn.Close()
	})
	return p
}

// send writes one frame; it returns the write error, which tests often ignore
// because the other side has stopped reading on purpose.
func (p *rawPeer) send(typ frameType, payload []byte) error {
	_, err := p.conn.Write(appendFrame(nil, typ, payload))
	return err
}

func (p *rawPeer) recv() rawFrame {
	p.t.Helper()
	select {
	case f := <-p.frames:
		return f
	case <-time.After(testTimeout):
		p.t.Fatal("raw peer: timed out waiting for a frame")
		return rawFrame{}
	}
}

func (p *rawPeer) expect(typ frameType) []byte {
	p.t.Helper()
	f := p.recv()
	if f.err != nil {
		p.t.Fatalf("raw peer: waiting for %s: %v", typ, f.err)
	}
	if f.typ != typ {
		if f.typ == frameError {
			kind, msg, _ := decodeErrorFrame(f.p)
			p.t.Fatalf("raw peer: waiting for %s, got error kind %d: %s", typ, kind, msg)
		}
		p.t.Fatalf("raw peer: waiting for %s, got %s", typ, f.typ)
	}
	return f.p
}

// expectError waits for an error frame and returns its kind and message.
func (p *rawPeer) expectError() (errKind, string) {
	p.t.Helper()
	for {
		f := p.recv()
		if f.err != nil {
			p.t.Fatalf("raw peer: waiting for an error frame: %v", f.err)
		}
		if f.typ == frameError {
			kind, msg, err := decodeErrorFrame(f.p)
			if err != nil {
				p.t.Fatal(err)
			}
			return kind, msg
		}
	}
}

func (p *rawPeer) hello(role uint8, minV, maxV uint16) {
	p.t.Helper()
	p.send(frameHello, appendHello(nil, hello{minVersion: minV, maxVersion: maxV, role: role, software: "test"}))
	if _, err := decodeHello(p.expect(frameHello)); err != nil {
		p.t.Fatal(err)
	}
}

// offer sends hello and the manifest, as a sender.
func (p *rawPeer) offer(entries ...Entry) {
	p.t.Helper()
	p.hello(roleSender, protocolVersion, protocolVersion)
	end, _ := encodeManifest(entries, func(b []byte) error { return p.send(frameManifest, b) })
	p.send(frameManifestEnd, end)
}

// answer collects the receiver's have records up to accept.
func (p *rawPeer) answer() []haveRecord {
	p.t.Helper()
	var haves []haveRecord
	for {
		f := p.recv()
		switch {
		case f.err != nil:
			p.t.Fatalf("raw peer: waiting for accept: %v", f.err)
		case f.typ == frameHave:
			haves, _ = decodeHaves(haves, f.p)
		case f.typ == frameAccept:
			return haves
		default:
			p.t.Fatalf("raw peer: waiting for accept, got %s %q", f.typ, f.p)
		}
	}
}

func (p *rawPeer) begin(i int, off uint64) error {
	return p.send(frameFileBegin, appendIndexOffset(nil, indexOffset{uint32(i), off}))
}

// data sends one data frame with an honest CRC.
func (p *rawPeer) data(i int, off uint64, b []byte) error {
	return p.dataCRC(i, off, b, crc32.Checksum(b, castagnoli))
}

func (p *rawPeer) dataCRC(i int, off uint64, b []byte, crc uint32) error {
	hdr := make([]byte, dataHeaderLen)
	putDataHeader(hdr, indexOffset{uint32(i), off}, crc)
	return p.send(frameData, append(hdr, b...))
}

func (p *rawPeer) end(i int, size uint64, sum [32]byte) error {
	return p.send(frameFileEnd, appendFileSum(nil, fileSum{uint32(i), size, sum}))
}

// file sends a whole file honestly, in chunks of 1000 bytes.
func (p *rawPeer) file(i int, b []byte) error {
	if err := p.begin(i, 0); err != nil {
		return err
	}
	for off := 0; off < len(b); off += 1000 {
		if err := p.data(i, uint64(off), b[off:min(off+1000, len(b))]); err != nil {
			return err
		}
	}
	return p.end(i, uint64(len(b)), sha256.Sum256(b))
}

// receiveFrom runs Receive against a scripted sender.
func receiveFrom(t testing.TB, ctx context.Context, opts ReceiveOptions, script func(p *rawPeer)) outcome {
	t.Helper()
	sc, rc := net.Pipe()
	p := newRawPeer(t, sc)
	done := make(chan outcome, 1)
	go func() {
		res, err := Receive(ctx, rc, opts)
		rc.Close()
		done <- outcome{res, err}
	}()
	script(p)
	return <-done
}

// sendTo runs Send against a scripted receiver.
func sendTo(t testing.TB, ctx context.Context, src Source, opts SendOptions, script func(p *rawPeer)) outcome {
	t.Helper()
	sc, rc := net.Pipe()
	p := newRawPeer(t, rc)
	done := make(chan outcome, 1)
	go func() {
		res, err := Send(ctx, sc, src, opts)
		sc.Close()
		done <- outcome{res, err}
	}()
	script(p)
	return <-done
}

func fileEntry(path string, size int64) Entry { return Entry{Path: path, Size: size, Mode: 0o644} }
