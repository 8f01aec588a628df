package transfer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// textBytes returns n bytes of text that compresses well, like sources or logs.
func textBytes(n int) []byte {
	words := strings.Fields("the quick brown fox jumps over a lazy dog while ferry moves files " +
		"between two computers directly with a short code func return error nil")
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(12) == 0 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:n]
}

func TestCompressionShrinksTextAndKeepsTheBytes(t *testing.T) {
	text := textBytes(3 << 20)
	random := randomBytes(t, 1<<20)
	mixed := append(append(append([]byte(nil), text[:1<<20]...), random...), text[:1<<20]...)
	src := (&memSource{}).add("text.txt", text).add("random.bin", random).add("mixed.tar", mixed)
	out := t.TempDir()
	sent, got := pair(t, testContext(t), src, SendOptions{}, ReceiveOptions{Dir: out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "text.txt"), text)
	mustContain(t, filepath.Join(out, "random.bin"), random)
	mustContain(t, filepath.Join(out, "mixed.tar"), mixed)
	total := int64(len(text) + len(random) + len(mixed))
	for side, o := range map[string]outcome{"send": sent, "receive": got} {
		if o.res.Transferred != total {
			t.Errorf("%s: transferred %d bytes, want %d", side, o.res.Transferred, total)
		}
		// The text parts (5 MiB) shrink several times, the random ones (2 MiB)
		// not at all.
		if o.res.WireBytes > total/2 {
			t.Errorf("%s: %d bytes on the wire for %d bytes of which 5/7 is text: compression did not work", side, o.res.WireBytes, total)
		}
	}
	if sent.res.WireBytes != got.res.WireBytes {
		t.Errorf("the sender counts %d bytes on the wire, the receiver %d", sent.res.WireBytes, got.res.WireBytes)
	}
}

func TestNoCompressionSendsEverythingAsItIs(t *testing.T) {
	text := textBytes(1 << 20)
	src := (&memSource{}).add("text.txt", text)
	out := t.TempDir()
	sent, got := pair(t, testContext(t), src, SendOptions{NoCompression: true}, ReceiveOptions{Dir: out})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	mustContain(t, filepath.Join(out, "text.txt"), text)
	if got.res.WireBytes != int64(len(text)) {
		t.Errorf("%d bytes on the wire for %d bytes sent without compression", got.res.WireBytes, len(text))
	}
}

func TestRandomDataIsSentAsItIs(t *testing.T) {
	random := randomBytes(t, 4<<20)
	sent, got := pair(t, testContext(t), (&memSource{}).add("r.bin", random), SendOptions{}, ReceiveOptions{Dir: t.TempDir()})
	if sent.err != nil || got.err != nil {
		t.Fatalf("send: %v; receive: %v", sent.err, got.err)
	}
	if got.res.WireBytes != int64(len(random)) {
		t.Errorf("%d bytes on the wire for %d random bytes: nothing should have been compressed", got.res.WireBytes, len(random))
	}
}

// TestCompressorBacksOff: after a slice that does not shrink, the compressor
// skips 1, 2, 4 ... 64 slices before it tries again, and starts over on a
// slice that shrinks and at every new file.
func TestCompressorBacksOff(t *testing.T) {
	c := newCompressor(4096, 1)
	defer c.close()
	random := randomBytes(t, 4096)
	var tried []int // slice numbers at which it compressed
	for i := range 300 {
		if c.trying() {
			tried = append(tried, i)
		}
		compressOnce(c, nil, random)
	}
	want := []int{0, 2, 5, 10, 19, 36, 69, 134, 199, 264}
	if !equalInts(tried, want) {
		t.Errorf("tried at slices %v, want %v", tried, want)
	}
	if c.enc != nil {
		t.Error("random data made the compressor start its encoder")
	}
	c.startFile()
	if !c.trying() || compressOnce(c, nil, textBytes(4096)) == nil {
		t.Error("a new file's first slice of text was not compressed")
	}
}

func TestLooksCompressible(t *testing.T) {
	for name, tc := range map[string]struct {
		data []byte
		want bool
	}{
		"random":           {randomBytes(t, 256<<10), false},
		"random, short":    {randomBytes(t, 8<<10), false},
		"text":             {textBytes(256 << 10), true},
		"zeros":            {make([]byte, 64<<10), true},
		"random then text": {append(randomBytes(t, 128<<10), textBytes(128<<10)...), true},
		"empty":            {nil, false},
	} {
		if got := looksCompressible(tc.data); got != tc.want {
			t.Errorf("%s: looksCompressible = %v, want %v", name, got, tc.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOldReceiverGetsNoCompressedFrames: a receiver that speaks only version
// 1 gets plain data frames.
func TestOldReceiverGetsNoCompressedFrames(t *testing.T) {
	text := textBytes(256 << 10)
	got := sendTo(t, testContext(t), (&memSource{}).add("t.txt", text), SendOptions{}, func(p *rawPeer) {
		p.hello(roleReceiver, 1, 1)
		p.expect(frameManifest)
		p.expect(frameManifestEnd)
		p.send(frameAccept, appendUint32(nil, 0))
		p.expect(frameFileBegin)
		var n int
		for {
			f := p.recv()
			if f.err != nil {
				t.Fatalf("raw receiver: %v", f.err)
			}
			if f.typ == frameFileEnd {
				break
			}
			if f.typ != frameData {
				t.Fatalf("a version 1 receiver got a %s frame", f.typ)
			}
			_, _, data, _ := decodeData(f.p)
			n += len(data)
		}
		if n != len(text) {
			t.Errorf("got %d bytes of data, want %d", n, len(text))
		}
		p.send(frameFileAck, appendFileSum(nil, fileSum{0, uint64(len(text)), sha256.Sum256(text)}))
		p.expect(frameDone)
		p.send(frameDoneAck, appendTotals(nil, totals{1, uint64(len(text))}))
	})
	if got.err != nil {
		t.Fatalf("send: %v", got.err)
	}
}

// dataZ sends one compressed data frame with an honest CRC.
func (p *rawPeer) dataZ(i int, off uint64, size uint32, z []byte) error {
	hdr := make([]byte, dataZHeaderLen)
	putDataZHeader(hdr, dataZHeader{at: indexOffset{uint32(i), off}, size: size, crc: crc32.Checksum(z, castagnoli)})
	return p.send(frameDataZ, append(hdr, z...))
}

func zstdOf(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// TestHostileCompressedData plays senders that abuse compressed frames: a
// zip bomb, a frame that decompresses to more or less than it says, garbage
// with a valid CRC, a broken CRC, and compressed frames to a peer that
// negotiated version 1. The receiver refuses each before writing more than
// the file's announced size, and leaves nothing behind.
func TestHostileCompressedData(t *testing.T) {
	bomb := zstdOf(t, make([]byte, 64<<20)) // 64 MiB of zeros in a few KiB
	small := textBytes(1000)
	for _, tc := range []struct {
		name   string
		size   int64 // of the file; 4096 if 0
		script func(p *rawPeer)
		want   error
		says   string
	}{
		{"zip bomb announced as 1000 bytes", 0, func(p *rawPeer) {
			p.dataZ(0, 0, 1000, bomb)
		}, ErrProtocol, "compressed data frame of"},
		{"zip bomb announced as the largest slice", 0, func(p *rawPeer) {
			p.dataZ(0, 0, MaxChunkSize, bomb)
		}, ErrIntegrity, "more than the 4096 bytes it announced"},
		{"zip bomb in a file announced as large as its contents", 64 << 20, func(p *rawPeer) {
			p.dataZ(0, 0, MaxChunkSize, bomb)
		}, ErrIntegrity, "does not decompress to the announced bytes"},
		{"more than announced", 0, func(p *rawPeer) {
			p.dataZ(0, 0, 500, zstdOf(t, small))
		}, ErrIntegrity, "does not decompress to the announced bytes"},
		{"less than announced", 0, func(p *rawPeer) {
			p.dataZ(0, 0, 2000, zstdOf(t, small))
		}, ErrIntegrity, "does not decompress to the announced bytes"},
		{"garbage with a valid CRC", 0, func(p *rawPeer) {
			p.dataZ(0, 0, 1000, []byte("this is not zstd at all"))
		}, ErrIntegrity, "does not decompress"},
		{"broken CRC", 0, func(p *rawPeer) {
			z := zstdOf(t, small)
			hdr := make([]byte, dataZHeaderLen)
			putDataZHeader(hdr, dataZHeader{at: indexOffset{0, 0}, size: 1000, crc: crc32.Checksum(z, castagnoli) ^ 1})
			p.send(frameDataZ, append(hdr, z...))
		}, ErrIntegrity, "CRC-32C mismatch in the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: out}, func(p *rawPeer) {
				size := tc.size
				if size == 0 {
					size = 4096
				}
				p.offer(fileEntry("f.txt", size))
				p.answer()
				p.begin(0, 0)
				tc.script(p)
				p.expectError()
			})
			if !errors.Is(got.err, tc.want) || !strings.Contains(got.err.Error(), tc.says) {
				t.Errorf("receive: %v; want %v saying %q", got.err, tc.want, tc.says)
			}
			mustNotExist(t, filepath.Join(out, "f.txt"))
			if tc.want == ErrIntegrity {
				mustNotExist(t, filepath.Join(out, "f.txt.ferry-part"))
			}
		})
	}
	t.Run("compressed frame after version 1 was negotiated", func(t *testing.T) {
		got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
			p.hello(roleSender, 1, 1)
			end, _ := encodeManifest([]Entry{fileEntry("f.txt", 1000)}, func(b []byte) error { return p.send(frameManifest, b) })
			p.send(frameManifestEnd, end)
			p.answer()
			p.begin(0, 0)
			p.dataZ(0, 0, 1000, zstdOf(t, small))
			p.expectError()
		})
		if !errors.Is(got.err, ErrProtocol) || !strings.Contains(got.err.Error(), "unexpected compressed data frame") {
			t.Errorf("receive: %v", got.err)
		}
	})
}

// FuzzDecompress feeds arbitrary compressed frames to the receiver's
// decompressor: it never panics, and it returns exactly size bytes or an
// error.
func FuzzDecompress(f *testing.F) {
	f.Add(zstdOf(f, textBytes(5000)), uint32(5000))
	f.Add(zstdOf(f, make([]byte, 4<<20)), uint32(MaxChunkSize))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0x58, 0, 0, 0}, uint32(1))
	f.Add([]byte("garbage"), uint32(7))
	d, err := newDecompressor() // one for all inputs, as a receiver has
	if err != nil {
		f.Fatal(err)
	}
	defer d.close()
	f.Fuzz(func(t *testing.T, z []byte, size uint32) {
		if size == 0 || size > MaxChunkSize {
			return // decodeDataZ refuses these before decompressing
		}
		out, err := d.decompress(z, int(size))
		if err == nil && len(out) != int(size) {
			t.Fatalf("decompressed %d bytes, announced %d", len(out), size)
		}
		if cap(d.out) > MaxChunkSize {
			t.Fatalf("the decompressor kept a buffer of %d bytes", cap(d.out))
		}
	})
}

// compressOnce is what the sender does with one slice (sendfile.go,
// sendpipe.go), in one step: dispatch, the entropy check, encode and record;
// the compressed form appended to dst, or nil when data goes as it is.
func compressOnce(c *compressor, dst, data []byte) []byte {
	try, gen := c.dispatch()
	if !try {
		return nil
	}
	if !looksCompressible(data) {
		c.record(false, gen)
		return nil
	}
	if err := c.start(); err != nil {
		c.record(false, gen)
		return nil
	}
	out, hit := c.encode(dst, data)
	c.record(hit, gen)
	if !hit {
		return nil
	}
	return out
}
