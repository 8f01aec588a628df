package transfer

import "fmt"

// The free-space check. Before the user is asked to accept, the receiver adds
// up what the files still need on the output directory's file system: each
// file's size, less what a temporary file that ferry left already holds of it
// (resume reuses or frees it) and less a file that --overwrite keeps because
// it is already the same size (findHeld checks its bytes), each rounded up to
// the file system's block. If that plus a margin (1 MiB and 0.1%, for
// directories and metadata) is more than the free space available to this
// user, the transfer is refused before anything is written, and the sender is
// told. A stream of unknown size (standard input) is not checked; neither is
// a file system that cannot say (a full disk is then caught while writing,
// and the temporary file is kept to resume).

// diskPlan is what the receiver will put on disk.
type diskPlan struct {
	free    int64 // bytes available to this user; -1 when unknown
	block   int64 // the file system's allocation unit
	need    int64 // bytes the files still need, rounded up to blocks
	created []Entry
}

// measure asks the file system under dir how much is free.
func (p *diskPlan) measure(dir string, space func(dir string) (free, block int64, err error)) {
	if space == nil {
		space = diskSpace
	}
	p.free, p.block = -1, 1
	free, block, err := space(dir)
	if err != nil {
		return
	}
	p.free = free
	if block > 0 {
		p.block = block
	}
}

// add counts a file of size bytes of which held are already on disk.
func (p *diskPlan) add(size, held int64) {
	rest := size - min(max(held, 0), max(size, 0))
	if rest <= 0 {
		return
	}
	p.need += (rest + p.block - 1) / p.block * p.block
}

// checkSpace refuses a transfer that does not fit. The sender is told how much
// is needed and free, but not where (the receiver's path stays local).
func (r *receiver) checkSpace() error {
	p := &r.plan
	if p.free < 0 || p.need == 0 {
		return nil
	}
	margin := 1<<20 + p.need/1024
	if p.need+margin <= p.free {
		return nil
	}
	spare := ""
	if p.need <= p.free {
		spare = fmt.Sprintf(" (ferry keeps %s to spare)", HumanBytes(margin))
	}
	what := fmt.Sprintf("receiving this needs %s, %s free%s", HumanBytes(p.need), HumanBytes(p.free), spare)
	err := fmt.Errorf("%w: %s on %s: free some space or receive elsewhere with --out", ErrNoSpace, what, r.opts.Dir)
	sendErrorFrame(r.conn, kindNoSpace, what+" on the receiver's disk: the receiver must free some space or receive elsewhere")
	return told{err}
}
