package rendezvous

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// sessKeys is what the key schedule gives one side.
type sessKeys struct {
	seal, open      cipher.AEAD // own direction, peer's direction
	ownTag, peerTag []byte      // key confirmation
	verifier        string
}

func deriveSessKeys(isk, transcriptHash []byte, side Side) (*sessKeys, error) {
	prk, err := hkdf.Extract(sha512.New, isk, transcriptHash)
	if err != nil {
		return nil, fmt.Errorf("session: key schedule: %w", err)
	}
	expand := func(info string, n int) []byte {
		if err != nil {
			return nil
		}
		var k []byte
		k, err = hkdf.Expand(sha512.New, prk, info, n)
		return k
	}
	s2r := expand("ferry-v1 sender to receiver", chacha20poly1305.KeySize)
	r2s := expand("ferry-v1 receiver to sender", chacha20poly1305.KeySize)
	confS := expand("ferry-v1 confirm sender", sha512.Size)
	confR := expand("ferry-v1 confirm receiver", sha512.Size)
	ver := expand("ferry-v1 verifier", 8)
	if err != nil {
		return nil, fmt.Errorf("session: key schedule: %w", err)
	}
	tagS, tagR := confirmTag(confS, transcriptHash), confirmTag(confR, transcriptHash)
	sealKey, openKey, ownTag, peerTag := s2r, r2s, tagS, tagR
	if side == SideReceiver {
		sealKey, openKey, ownTag, peerTag = r2s, s2r, tagR, tagS
	}
	seal, err := chacha20poly1305.New(sealKey)
	if err != nil {
		return nil, fmt.Errorf("session: key schedule: %w", err)
	}
	open, err := chacha20poly1305.New(openKey)
	if err != nil {
		return nil, fmt.Errorf("session: key schedule: %w", err)
	}
	return &sessKeys{
		seal: seal, open: open,
		ownTag: ownTag, peerTag: peerTag,
		verifier: formatVerifier(ver),
	}, nil
}

func confirmTag(key, transcriptHash []byte) []byte {
	m := hmac.New(sha512.New, key)
	m.Write([]byte("ferry-v1 key confirmation"))
	m.Write(transcriptHash)
	return m.Sum(nil)
}

// formatVerifier turns 8 key-derived bytes into "1234 5678": 8 digits that
// two people can read to each other. Both sides show the same digits if and
// only if they hold the same keys.
func formatVerifier(b []byte) string {
	n := binary.BigEndian.Uint64(b) % 100_000_000
	return fmt.Sprintf("%04d %04d", n/10_000, n%10_000)
}

// transcriptHash hashes the four handshake frames, the sender's first in each
// flight, each length-prefixed.
func transcriptHash(helloS, helloR, shareS, shareR []byte) []byte {
	h := sha512.New()
	h.Write([]byte("ferry-v1 handshake"))
	for _, f := range [][]byte{helloS, helloR, shareS, shareR} {
		h.Write(binary.AppendUvarint(nil, uint64(len(f))))
		h.Write(f)
	}
	return h.Sum(nil)
}

// sessNonce is the AEAD nonce of message number seq: 4 zero bytes, then seq
// big-endian.
func sessNonce(seq uint64) []byte {
	n := make([]byte, chacha20poly1305.NonceSize)
	binary.BigEndian.PutUint64(n[4:], seq)
	return n
}
