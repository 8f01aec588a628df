package transfer

import (
	"crypto/sha256"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// corruptConn flips one bit in the payload of the n-th data frame written.
type corruptConn struct {
	net.Conn
	mu    sync.Mutex
	n     int
	count int
}

func (c *corruptConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if len(p) > frameHeaderLen+dataHeaderLen && frameType(p[0]) == frameData {
		c.count++
		if c.count == c.n {
			p = append([]byte(nil), p...)
			p[len(p)-1] ^= 0x10
		}
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func TestCorruptedDataIsAnIntegrityErrorOnBothSides(t *testing.T) {
	data := randomBytes(t, 1<<20)
	src := (&memSource{}).add("data.bin", data)
	out := t.TempDir()
	sc, rc := net.Pipe()
	sendc := make(chan outcome, 1)
	go func() {
		res, err := Send(testContext(t), &corruptConn{Conn: sc, n: 5}, src, SendOptions{})
		sendc <- outcome{res, err}
	}()
	_, rerr := Receive(testContext(t), rc, ReceiveOptions{Dir: out})
	sent := <-sendc
	sc.Close()

	if !errors.Is(rerr, ErrIntegrity) || !strings.Contains(rerr.Error(), "CRC-32C") || !strings.Contains(rerr.Error(), `"data.bin"`) {
		t.Errorf("receive: %v", rerr)
	}
	if !errors.Is(sent.err, ErrIntegrity) || !strings.Contains(sent.err.Error(), "the receiver reported") {
		t.Errorf("send: %v", sent.err)
	}
	mustNotExist(t, filepath.Join(out, "data.bin"))
	mustNotExist(t, filepath.Join(out, "data.bin.ferry-part"))
}

// TestLyingSender plays senders that break the integrity rules; the receiver
// must refuse, tell the sender, and leave neither the file nor its .part.
func TestLyingSender(t *testing.T) {
	data := randomBytes(t, 5000)
	cases := []struct {
		name  string
		entry Entry
		lie   func(p *rawPeer)
		want  string
	}{
		{"crc mismatch", fileEntry("f.bin", 5000), func(p *rawPeer) {
			p.begin(0, 0)
			p.data(0, 0, data[:1000])
			p.dataCRC(0, 1000, data[1000:2000], 12345)
		}, "CRC-32C mismatch"},
		{"more bytes than announced in one frame", fileEntry("f.bin", 1000), func(p *rawPeer) {
			p.begin(0, 0)
			p.data(0, 0, data[:1500])
		}, "more than the 1000 bytes"},
		{"more bytes than announced over frames", fileEntry("f.bin", 1500), func(p *rawPeer) {
			p.begin(0, 0)
			p.data(0, 0, data[:1000])
			p.data(0, 1000, data[1000:2000])
		}, "more than the 1500 bytes"},
		{"fewer bytes than announced", fileEntry("f.bin", 5000), func(p *rawPeer) {
			p.begin(0, 0)
			p.data(0, 0, data[:1000])
			p.end(0, 1000, sha256.Sum256(data[:1000]))
		}, "announced 5000 bytes but sent 1000"},
		{"stream end with the wrong size", fileEntry("f.bin", -1), func(p *rawPeer) {
			p.begin(0, 0)
			p.data(0, 0, data[:1000])
			p.end(0, 1200, sha256.Sum256(data[:1000]))
		}, "1200 bytes, 1000 were received"},
		{"digest mismatch", fileEntry("f.bin", 5000), func(p *rawPeer) {
			p.begin(0, 0)
			p.data(0, 0, data)
			p.end(0, 5000, sha256.Sum256(data[:4999]))
		}, "SHA-256 mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			var kind errKind
			var msg string
			got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: out}, func(p *rawPeer) {
				p.offer(c.entry)
				p.answer()
				c.lie(p)
				kind, msg = p.expectError()
			})
			if !errors.Is(got.err, ErrIntegrity) || !strings.Contains(got.err.Error(), c.want) || !strings.Contains(got.err.Error(), `"f.bin"`) {
				t.Errorf("receive: %v, want an integrity error saying %q", got.err, c.want)
			}
			if kind != kindIntegrity || !strings.Contains(msg, c.want) {
				t.Errorf("the sender was told kind %d: %s", kind, msg)
			}
			mustNotExist(t, filepath.Join(out, "f.bin"))
			mustNotExist(t, filepath.Join(out, "f.bin.ferry-part"))
		})
	}
}

func TestSenderChecksTheReceiversDigest(t *testing.T) {
	data := []byte("some bytes")
	var kind errKind
	got := sendTo(t, testContext(t), (&memSource{}).add("a", data), SendOptions{}, func(p *rawPeer) {
		p.hello(roleReceiver, protocolVersion, protocolVersion)
		p.expect(frameManifest)
		p.expect(frameManifestEnd)
		p.send(frameAccept, appendUint32(nil, 0))
		p.expect(frameFileBegin)
		p.expect(frameData)
		end, _ := decodeFileSum(frameFileEnd, p.expect(frameFileEnd))
		end.sum[0] ^= 1
		p.send(frameFileAck, appendFileSum(nil, end))
		kind, _ = p.expectError()
	})
	if !errors.Is(got.err, ErrIntegrity) || !strings.Contains(got.err.Error(), "SHA-256") {
		t.Errorf("send: %v", got.err)
	}
	if kind != kindIntegrity {
		t.Errorf("the receiver was told kind %d", kind)
	}
}

func TestSendSucceedsOnlyAfterDoneAck(t *testing.T) {
	data := []byte("some bytes")
	got := sendTo(t, testContext(t), (&memSource{}).add("a", data), SendOptions{}, func(p *rawPeer) {
		p.hello(roleReceiver, protocolVersion, protocolVersion)
		p.expect(frameManifest)
		p.expect(frameManifestEnd)
		p.send(frameAccept, appendUint32(nil, 0))
		p.expect(frameFileBegin)
		p.expect(frameData)
		end, _ := decodeFileSum(frameFileEnd, p.expect(frameFileEnd))
		p.send(frameFileAck, appendFileSum(nil, end))
		p.expect(frameDone)
		p.conn.Close() // gone before confirming
	})
	if !errors.Is(got.err, ErrPeerClosed) {
		t.Errorf("send: %v, want the lost connection reported", got.err)
	}
}

func TestSenderRefusesABadHaveRecord(t *testing.T) {
	var kind errKind
	got := sendTo(t, testContext(t), (&memSource{}).add("a", []byte("abc")), SendOptions{}, func(p *rawPeer) {
		p.hello(roleReceiver, protocolVersion, protocolVersion)
		p.expect(frameManifest)
		p.expect(frameManifestEnd)
		p.send(frameHave, appendHave(nil, haveRecord{index: 0, offset: 4}))
		kind, _ = p.expectError()
	})
	if !errors.Is(got.err, ErrProtocol) || !strings.Contains(got.err.Error(), "4 bytes") {
		t.Errorf("send: %v", got.err)
	}
	if kind != kindProtocol {
		t.Errorf("the receiver was told kind %d", kind)
	}
}
