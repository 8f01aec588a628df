package cpace

import (
	"bytes"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"
)

// The test vectors below are copied from draft-irtf-cfrg-cpace-21 (23 April
// 2026): Appendix A.1 (string utilities), A.3.5 (transcript_ir) and B.3
// ("Test vector for CPace using group ristretto255 and hash SHA-512").
// The same values appear in the draft's earlier revisions and in the sage
// reference implementation's output.

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test vector: %v", err)
	}
	return b
}

func checkHex(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	w := unhex(t, want)
	if !bytes.Equal(got, w) {
		t.Errorf("%s:\n got %x\nwant %x", what, got, w)
	}
}

func TestPrependLenVectors(t *testing.T) { // A.1.2
	checkHex(t, `prepend_len(b"")`, prependLen(nil), "00")
	checkHex(t, `prepend_len(b"1234")`, prependLen([]byte("1234")), "0431323334")
	r := make([]byte, 128)
	for i := range r {
		r[i] = byte(i)
	}
	if got := prependLen(r[:127]); got[0] != 0x7f || !bytes.Equal(got[1:], r[:127]) || len(got) != 128 {
		t.Errorf("prepend_len(bytes(range(127))) = %x", got)
	}
	if got := prependLen(r); got[0] != 0x80 || got[1] != 0x01 || !bytes.Equal(got[2:], r) || len(got) != 130 {
		t.Errorf("prepend_len(bytes(range(128))) = %x", got)
	}
	// A longer length, to exercise a third LEB128 byte: 2^14 = 0x80 0x80 0x01.
	if got := prependLen(make([]byte, 1<<14)); !bytes.Equal(got[:3], []byte{0x80, 0x80, 0x01}) {
		t.Errorf("prepend_len of 2^14 bytes starts %x, want 808001", got[:3])
	}
}

func TestLvCatVector(t *testing.T) { // A.1.4
	got := lvCat([]byte("1234"), []byte("5"), []byte(""), []byte("678"))
	checkHex(t, "lv_cat", got, "043132333401350003363738")
}

func TestTranscriptIRVectors(t *testing.T) { // A.3.5
	checkHex(t, "transcript_ir 1",
		transcriptIR([]byte("123"), []byte("PartyA"), []byte("234"), []byte("PartyB")),
		"03313233065061727479410332333406506172747942")
	checkHex(t, "transcript_ir 2",
		transcriptIR([]byte("3456"), []byte("PartyA"), []byte("2345"), []byte("PartyB")),
		"043334353606506172747941043233343506506172747942")
}

// Inputs of B.3.
var (
	tcPRS = []byte("Password")
	tcCI  = []byte("\x0bA_initiator\x0bB_responder")
	tcADa = []byte("ADa")
	tcADb = []byte("ADb")
)

const (
	tcSID = "7e4b4791d6a8ef019b936c79fb7f2c57"
	tcYa  = "da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08" // ya, little endian
	tcYb  = "d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d" // yb, little endian
	tcYA  = "d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157" // Ya = ya*g
	tcYB  = "3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258" // Yb = yb*g
	tcK   = "80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f"
	tcISK = `b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dc
	         ae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c
	         3fa2068af7900447`
)

func TestGeneratorVector(t *testing.T) { // B.3.1
	sid := unhex(t, tcSID)
	gs := generatorString([]byte(dsi), tcPRS, tcCI, sid, sInBytes)
	checkHex(t, "generator_string", gs, `
		11435061636552697374726574746f3235350850617373776f726464
		00000000000000000000000000000000000000000000000000000000
		00000000000000000000000000000000000000000000000000000000
		00000000000000000000000000000000000000000000000000000000
		00000000000000000000000000000000180b415f696e69746961746f
		720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f
		2c57`)
	h := sha512.Sum512(gs)
	checkHex(t, "hash of generator_string", h[:], `
		da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288
		b6663af06bf645c93cd1c51512307199c80e84908916d983b34af772
		05f90851a657ee27`)
	g := calculateGenerator(tcPRS, tcCI, sid)
	checkHex(t, "encoded generator g", g.Encode(nil),
		"222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56")
}

func TestMessagesKAndISKVector(t *testing.T) { // B.3.2 - B.3.5
	sid := unhex(t, tcSID)
	g := calculateGenerator(tcPRS, tcCI, sid)
	ya, yb := ristretto255.NewScalar(), ristretto255.NewScalar()
	if err := ya.Decode(unhex(t, tcYa)); err != nil {
		t.Fatal(err)
	}
	if err := yb.Decode(unhex(t, tcYb)); err != nil {
		t.Fatal(err)
	}
	Ya, Yb := scalarMult(ya, g), scalarMult(yb, g)
	checkHex(t, "Ya", Ya, tcYA)
	checkHex(t, "Yb", Yb, tcYB)
	checkHex(t, "scalar_mult_vfy(ya,Yb)", scalarMultVfy(ya, Yb), tcK)
	checkHex(t, "scalar_mult_vfy(yb,Ya)", scalarMultVfy(yb, Ya), tcK)

	tr := transcriptIR(Ya, tcADa, Yb, tcADb)
	checkHex(t, "transcript_ir(Ya,ADa,Yb,ADb)", tr, `
		20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0e
		ec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa
		8232b5ebe63324e2d9e7433f725803414462`)
	checkHex(t, "lv_cat(DSI,sid,K)||transcript_ir",
		append(lvCat([]byte(dsi+"_ISK"), sid, unhex(t, tcK)), tr...), `
		15435061636552697374726574746f3235355f49534b107e4b4791d6
		a8ef019b936c79fb7f2c572080b69a8a76457ab6a4d7f887a4bf6b55
		a2f80ac19c333f917a05fc9887c8b40f20d6bac480f2c386c394efc7
		c47adb9925dcd2630b64f240c50f8d0eec482b915703414461203ea7
		e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f
		725803414462`)
	checkHex(t, "ISK (initiator/responder)", isk(sid, unhex(t, tcK), tr), tcISK)
}

// TestPublicAPIVector runs the B.3 vector through Start and Finish: the
// draft's scalars are below 2^252, so handing their bytes to Start as its
// random source makes sample_scalar return exactly them.
func TestPublicAPIVector(t *testing.T) {
	sid := unhex(t, tcSID)
	a, Ya, err := Start(Initiator, tcPRS, tcCI, sid, tcADa, bytes.NewReader(unhex(t, tcYa)))
	if err != nil {
		t.Fatal(err)
	}
	b, Yb, err := Start(Responder, tcPRS, tcCI, sid, tcADb, bytes.NewReader(unhex(t, tcYb)))
	if err != nil {
		t.Fatal(err)
	}
	checkHex(t, "Ya from Start", Ya, tcYA)
	checkHex(t, "Yb from Start", Yb, tcYB)
	iskA, err := a.Finish(Yb, tcADb)
	if err != nil {
		t.Fatalf("initiator finish: %v", err)
	}
	iskB, err := b.Finish(Ya, tcADa)
	if err != nil {
		t.Fatalf("responder finish: %v", err)
	}
	checkHex(t, "initiator ISK", iskA, tcISK)
	checkHex(t, "responder ISK", iskB, tcISK)

	if _, err := a.Finish(Yb, tcADb); err == nil {
		t.Error("a second Finish on the same run succeeded; want an error")
	}
}

func TestScalarMultVfyVectors(t *testing.T) { // B.3.10, B.3.11
	s := ristretto255.NewScalar()
	if err := s.Decode(unhex(t, "7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05")); err != nil {
		t.Fatal(err)
	}
	X := unhex(t, "2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c")
	const want = "7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e"
	p := ristretto255.NewElement()
	if err := p.Decode(X); err != nil {
		t.Fatal(err)
	}
	checkHex(t, "scalar_mult(s,decode(X))", scalarMult(s, p), want)
	checkHex(t, "scalar_mult_vfy(s,X)", scalarMultVfy(s, X), want)

	invalid := map[string]string{
		"Y_i1 (not a valid encoding)": "2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c",
		"Y_i2 (the neutral element)":  "0000000000000000000000000000000000000000000000000000000000000000",
	}
	for name, y := range invalid {
		if got := scalarMultVfy(s, unhex(t, y)); !isIdentity(got) {
			t.Errorf("scalar_mult_vfy(s, %s) = %x, want G.I", name, got)
		}
	}
}

// TestFinishRejectsInvalidShares: a share that is invalid, the neutral
// element, or of the wrong length aborts the run (draft sections 8.3.1, 9).
func TestFinishRejectsInvalidShares(t *testing.T) {
	sid := unhex(t, tcSID)
	bad := map[string][]byte{
		"Y_i1 from B.3.11":       unhex(t, "2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c"),
		"neutral element":        make([]byte, 32),
		"non-canonical (>= p)":   unhex(t, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
		"negative field element": unhex(t, "0100000000000000000000000000000000000000000000000000000000000000"),
		"empty":                  nil,
		"short":                  unhex(t, tcYB)[:31],
		"long":                   append(unhex(t, tcYB), 0),
		"valid share, high bit":  func() []byte { b := unhex(t, tcYB); b[31] |= 0x80; return b }(),
	}
	for name, share := range bad {
		for _, role := range []Role{Initiator, Responder} {
			st, _, err := Start(role, tcPRS, tcCI, sid, tcADa, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Finish(share, tcADb); !errors.Is(err, ErrInvalidShare) {
				t.Errorf("role %d, share %s: Finish error = %v, want ErrInvalidShare", role, name, err)
			}
		}
	}
}

func TestRandomRunsAgreeOnlyOnSameInputs(t *testing.T) {
	run := func(prsA, prsB, ciB, sidB, adaSeenByB []byte) (ka, kb []byte) {
		t.Helper()
		sid := []byte("session")
		a, Ya, err := Start(Initiator, prsA, []byte("ci"), sid, []byte("ADa"), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, Yb, err := Start(Responder, prsB, ciB, sidB, []byte("ADb"), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if ka, err = a.Finish(Yb, []byte("ADb")); err != nil {
			t.Fatal(err)
		}
		if kb, err = b.Finish(Ya, adaSeenByB); err != nil {
			t.Fatal(err)
		}
		return ka, kb
	}
	pw, ci, sid, ada := []byte("apple-river"), []byte("ci"), []byte("session"), []byte("ADa")
	if ka, kb := run(pw, pw, ci, sid, ada); !bytes.Equal(ka, kb) || len(ka) != ISKSize {
		t.Errorf("same inputs: keys differ or wrong size (%d bytes)", len(ka))
	}
	cases := map[string][5][]byte{
		"password":   {pw, []byte("apple-rivet"), ci, sid, ada},
		"channel id": {pw, pw, []byte("cj"), sid, ada},
		"session id": {pw, pw, ci, []byte("session2"), ada},
		"assoc data": {pw, pw, ci, sid, []byte("ADx")},
	}
	for name, c := range cases {
		if ka, kb := run(c[0], c[1], c[2], c[3], c[4]); bytes.Equal(ka, kb) {
			t.Errorf("different %s: keys agree", name)
		}
	}
}

func TestStartErrors(t *testing.T) {
	if _, _, err := Start(Role(0), tcPRS, nil, nil, nil, rand.Reader); err == nil {
		t.Error("Start with an unknown role succeeded")
	}
	if _, _, err := Start(Initiator, tcPRS, nil, nil, nil, bytes.NewReader(make([]byte, 8))); err == nil {
		t.Error("Start with a random source that runs dry succeeded")
	}
	if _, _, err := Start(Initiator, tcPRS, nil, nil, nil, bytes.NewReader(make([]byte, 32*maxSampleTries))); err == nil {
		t.Error("Start with a random source of only zeros succeeded")
	}
	// The top four bits of the random bytes are cleared: 0xff... samples
	// 2^252-1, a valid scalar.
	ff := bytes.Repeat([]byte{0xff}, 32)
	if _, _, err := Start(Initiator, tcPRS, nil, nil, nil, bytes.NewReader(ff)); err != nil {
		t.Errorf("Start with random bytes 0xff...: %v", err)
	}
}
