package cpace

import (
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// The group environment G_Ristretto255 with H = SHA-512 (draft section 8.3).

const (
	// dsi is G_Ristretto255.DSI.
	dsi = "CPaceRistretto255"
	// sInBytes is H.s_in_bytes, the input block size of SHA-512.
	sInBytes = sha512.BlockSize
	// groupSizeBits is G_Ristretto255.group_size_bits: scalars are sampled
	// below 2^252, which is below the group order.
	groupSizeBits = 252
)

// identity is G.I, the encoding of the neutral element.
var identity [ShareSize]byte

// calculateGenerator is G.calculate_generator(H, PRS, CI, sid): the
// generator string hashed to 2*32 bytes and mapped to the group with
// ristretto255's element derivation function (RFC 9496, section 4.3.4).
func calculateGenerator(prs, ci, sid []byte) *ristretto255.Element {
	h := sha512.Sum512(generatorString([]byte(dsi), prs, ci, sid, sInBytes))
	return ristretto255.NewElement().FromUniformBytes(h[:])
}

// maxSampleTries bounds how often sampleScalar redraws a zero scalar: a
// working random source gives zero with probability 2^-252, so reaching the
// bound means the source is broken.
const maxSampleTries = 4

// sampleScalar is G.sample_scalar() as the draft recommends: 32 random
// bytes, the bits above group_size_bits cleared, read as a little-endian
// integer. It never returns zero.
func sampleScalar(rand io.Reader) (*ristretto255.Scalar, error) {
	var b [32]byte
	defer clear(b[:])
	for range maxSampleTries {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return nil, fmt.Errorf("cpace: reading random bytes: %w", err)
		}
		b[31] &= 1<<(groupSizeBits-248) - 1
		y := ristretto255.NewScalar()
		if err := y.Decode(b[:]); err != nil {
			// Unreachable: a value below 2^252 is a canonical scalar.
			return nil, fmt.Errorf("cpace: sampling a scalar: %w", err)
		}
		if y.Equal(ristretto255.NewScalar()) == 0 {
			return y, nil
		}
	}
	return nil, errors.New("cpace: the random source keeps returning zeros")
}

// scalarMult is G.scalar_mult(y, _g): the encoding of y*g.
func scalarMult(y *ristretto255.Scalar, g *ristretto255.Element) []byte {
	return ristretto255.NewElement().ScalarMult(y, g).Encode(make([]byte, 0, ShareSize))
}

// scalarMultVfy is G.scalar_mult_vfy(y, X): the encoding of y*decode(X), or
// G.I when X is not the canonical encoding of a group element.
func scalarMultVfy(y *ristretto255.Scalar, x []byte) []byte {
	p := ristretto255.NewElement()
	if err := p.Decode(x); err != nil {
		return identity[:]
	}
	return scalarMult(y, p)
}

// isIdentity reports whether an encoded element is G.I.
func isIdentity(enc []byte) bool {
	return subtle.ConstantTimeCompare(enc, identity[:]) == 1
}
