package bench

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/ferry-dev/ferry/peer"
)

// Targets of the default number of connections (issue 15): on a machine with
// many cores, at most targetDefaultRSS MiB on each side, and targetVsCroc
// times croc's speed.
const (
	targetDefaultRSS = 64.0
	targetVsCroc     = 1.5
)

// scalingLines are the figure rows of the measurements over several
// connections: each against one connection, with its memory, and the
// default's targets.
func (rep *report) scalingLines() string {
	var b strings.Builder
	one := rep.summary(kindFerry)
	if one.n == 0 {
		return ""
	}
	for _, s := range scaling {
		par := rep.summary(s.kind)
		if par.n == 0 {
			continue
		}
		fmt.Fprintf(&b, "| ferry --parallel %d / one connection (on %d cores; peak RSS %.1f / %.1f MiB) | %.2fx | (more cores, more speed) | |\n",
			s.conns, runtime.NumCPU(), par.sendRSS, par.recvRSS, par.mbps/one.mbps)
	}
	def := rep.summary(kindDefault)
	if def.n == 0 {
		return b.String()
	}
	n := peer.DefaultParallel()
	rss := max(def.sendRSS, def.recvRSS)
	fmt.Fprintf(&b, "| ferry default (%d connections on %d cores), peak RSS send / receive (MiB) | %.1f / %.1f | <= %.0f | %s |\n",
		n, runtime.NumCPU(), def.sendRSS, def.recvRSS, targetDefaultRSS, verdict(rss <= targetDefaultRSS))
	if croc := rep.summary(kindCroc); croc.n > 0 {
		r := def.mbps / croc.mbps
		fmt.Fprintf(&b, "| ferry default (%d connections) / croc | %.2fx | >= %.1f | %s |\n",
			n, r, targetVsCroc, verdict(r >= targetVsCroc))
	}
	return b.String()
}
