package cpace

// The string utilities of draft-irtf-cfrg-cpace, Appendix A. Every
// variable-length input is length-prefixed before it is hashed, so that
// the hashed strings form a prefix-free encoding (draft section 10.2).

// appendLen appends data to dst, prefixed with the LEB128 encoding of its
// length (the draft's prepend_len).
func appendLen(dst, data []byte) []byte {
	n := uint64(len(data))
	for n >= 0x80 {
		dst = append(dst, byte(n&0x7f)|0x80)
		n >>= 7
	}
	dst = append(dst, byte(n))
	return append(dst, data...)
}

// prependLen is the draft's prepend_len(data).
func prependLen(data []byte) []byte {
	return appendLen(make([]byte, 0, len(data)+10), data)
}

// lvCat is the draft's lv_cat(a0, a1, ...): each argument, length-prefixed,
// concatenated.
func lvCat(parts ...[]byte) []byte {
	size := 0
	for _, p := range parts {
		size += len(p) + 10
	}
	out := make([]byte, 0, size)
	for _, p := range parts {
		out = appendLen(out, p)
	}
	return out
}

// generatorString is the draft's generator_string(DSI, PRS, CI, sid,
// s_in_bytes): lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid), where the
// zero padding makes DSI and PRS fill the hash's first input block, so the
// amount hashed does not depend on the length of a short password.
func generatorString(dsi, prs, ci, sid []byte, sInBytes int) []byte {
	zpad := max(0, sInBytes-1-len(prependLen(prs))-len(prependLen(dsi)))
	return lvCat(dsi, prs, make([]byte, zpad), ci, sid)
}

// transcriptIR is the draft's transcript_ir(Ya, ADa, Yb, ADb) for the
// initiator-responder setting: the initiator's message always comes first.
func transcriptIR(ya, ada, yb, adb []byte) []byte {
	return append(lvCat(ya, ada), lvCat(yb, adb)...)
}
