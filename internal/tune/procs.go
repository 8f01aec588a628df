package tune

import (
	"runtime"
	"sync"
)

// How many processors (GOMAXPROCS) ferry uses: at most the machine's (a
// GOMAXPROCS above the number of CPUs only adds threads that take turns on
// the same cores), and at most what its connections keep busy: one
// connection's pipeline (the SCTP read and write loops, DTLS, the file and
// its checksums) keeps about four busy. More processors than that, against
// the 30 MiB memory limit, made the collector run without pause: on a 2-core
// machine, GOMAXPROCS=16 moved one connection at half the speed with 2.5
// times the sender's CPU, GOMAXPROCS=4 at 0.6; on a 16-core machine one
// connection ran at 0.55 of the ceiling with 16 processors, at the ceiling
// with 4 (issue 15).
const (
	procsBase          = 2 // the process's own work: the rendezvous, the UI
	procsPerConnection = 2
)

var procs struct {
	sync.Mutex
	most int // GOMAXPROCS before Apply, at most the number of CPUs; 0 until Apply
}

// limitProcs bounds GOMAXPROCS for one connection; Connections raises it for
// more.
func limitProcs() {
	procs.Lock()
	procs.most = min(runtime.GOMAXPROCS(0), runtime.NumCPU())
	procs.Unlock()
	procsFor(1)
}

// procsFor sets GOMAXPROCS for n connections, within what Apply found.
func procsFor(n int) {
	procs.Lock()
	defer procs.Unlock()
	if procs.most == 0 || n < 1 {
		return
	}
	runtime.GOMAXPROCS(procsNeeded(n, procs.most))
}

// procsNeeded is how many processors n connections use, of at most most.
func procsNeeded(n, most int) int {
	return max(1, min(most, procsBase+procsPerConnection*n))
}
