package transfer

// HeldReporter is an optional interface of a Progress: it hears what became
// of what the receiver's output directory held of a file before the transfer
// (a temporary file left by an interrupted transfer or, with Overwrite, the
// file itself), once the sender has decided. A sender hears Resumed only.
type HeldReporter interface {
	// Resumed: the first offset bytes of path were the sender's and are not
	// received again. whole is true when the existing file itself already
	// holds all the sender's bytes (with Overwrite) and is kept as it is.
	Resumed(path string, offset int64, whole bool)
	// Discarded: the temporary file held for path (held bytes) did not
	// match the sender's file; it is replaced from the start. (An existing
	// file that differs, with Overwrite, is simply replaced, as agreed.)
	Discarded(path string, held int64)
}

// noteHeld tells a HeldReporter what the sender made of what was held of
// entry i: it resumes at offset, or (offset 0) starts again.
func (r *receiver) noteHeld(i int, offset uint64) {
	h := r.held[i]
	hr, ok := r.opts.Progress.(HeldReporter)
	if h == nil || !ok {
		return
	}
	path := r.m.Entries[i].Path
	switch {
	case offset == 0 && h.final:
	case offset == 0:
		hr.Discarded(path, h.offset)
	default:
		hr.Resumed(path, int64(offset), h.final)
	}
}
