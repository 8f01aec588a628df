package bench

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// markdown renders the table of medians, the ratios and the targets.
func (rep *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ferry-bench, %s, %s. %s file, median of %d runs; load average at start %s.\n\n",
		rep.Date.Format("2006-01-02"), rep.Machine, humanSize(rep.Size), rep.Runs, rep.LoadAvg)
	b.WriteString("| measurement | MB/s | CPU s per GiB, send + receive | peak RSS, send / receive |\n")
	b.WriteString("|---|---:|---:|---:|\n")
	for _, k := range []string{kindCeiling, kindFerry, kindText, kindParallel, kindParallel4, kindParallel8, kindDefault, kindProcs, kindCroc, kindTCP} {
		s := rep.summary(k)
		if s.n == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %.1f | %.1f + %.1f | %.1f / %.1f MiB |\n",
			kindNames[k], s.mbps, s.sendCPU, s.recvCPU, s.sendRSS, s.recvRSS)
	}
	b.WriteString("\n| figure | value | target | |\n|---|---:|---|---|\n")
	ceiling, ferry, text, tcp := rep.summary(kindCeiling), rep.summary(kindFerry), rep.summary(kindText), rep.summary(kindTCP)
	if ferry.n > 0 && ceiling.n > 0 {
		r := ferry.mbps / ceiling.mbps
		paired := rep.pairedRatios(kindFerry, kindCeiling)
		fmt.Fprintf(&b, "| ferry / ceiling, of the medians (run by run: %s; their median %.2f) | %.3f | >= %.2f | %s |\n",
			ratios(paired), median(paired), r, targetRatio, verdict(r >= targetRatio))
	}
	if ferry.n > 0 && tcp.n > 0 {
		fmt.Fprintf(&b, "| ferry / TCP | %.3f | (the physical reference) | |\n", ferry.mbps/tcp.mbps)
	}
	if ferry.n > 0 {
		fmt.Fprintf(&b, "| ferry / the pion-v3 peer (%.0f MB/s) | %.1fx | >= 3x (%.0f MB/s) | %s |\n",
			peerV3MBps, ferry.mbps/peerV3MBps, targetMBps, verdict(ferry.mbps >= targetMBps))
		b.WriteString(rep.rssLine())
		setups := rep.setups()
		m := median(setups)
		fmt.Fprintf(&b, "| ferry receive start to first data, median of %d | %.2f s | < %.1f s | %s |\n",
			len(setups), m, targetSetup, verdict(m < targetSetup))
	}
	if ferry.n > 0 && text.n > 0 {
		wire := median(field(rep.of(kindText), func(s sample) float64 { return float64(s.WireBytes) / float64(s.Bytes) }))
		fmt.Fprintf(&b, "| text / random data (compression; text sent as %.0f%% of its size) | %.2fx | > 1 | %s |\n",
			100*wire, text.mbps/ferry.mbps, verdict(text.mbps > ferry.mbps))
	}
	b.WriteString(rep.scalingLines())
	if procs := rep.summary(kindProcs); ferry.n > 0 && procs.n > 0 {
		r := procs.mbps / ferry.mbps
		fmt.Fprintf(&b, "| ferry GOMAXPROCS=%d / ferry (the runtime's tuning on a many-core setting, on %d cores) | %.2fx | >= %.2f | %s |\n",
			manyProcs, runtime.NumCPU(), r, targetRatio, verdict(r >= targetRatio))
	}
	if croc := rep.summary(kindCroc); ferry.n > 0 && croc.n > 0 {
		fmt.Fprintf(&b, "| ferry / croc (croc timed over its whole run; peak RSS %.1f / %.1f MiB) | %.2fx | (side by side) | |\n",
			croc.sendRSS, croc.recvRSS, ferry.mbps/croc.mbps)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	return b.String()
}

// rssLine reports ferry's peak RSS at every size it moved, with the targets:
// at most targetRSSMiB, and flat across sizes.
func (rep *report) rssLine() string {
	bySize := map[int64][2]float64{} // the largest send and receive peaks per size
	for _, s := range rep.Samples {
		if s.Kind != kindFerry {
			continue
		}
		p := bySize[s.Bytes]
		p[0], p[1] = max(p[0], s.SendRSSMiB), max(p[1], s.RecvRSSMiB)
		bySize[s.Bytes] = p
	}
	var sizes []int64
	for sz := range bySize {
		sizes = append(sizes, sz)
	}
	slices.Sort(sizes)
	var parts []string
	ok := true
	for _, sz := range sizes {
		p := bySize[sz]
		parts = append(parts, fmt.Sprintf("%s: %.1f / %.1f", humanSize(sz), p[0], p[1]))
		ok = ok && p[0] <= targetRSSMiB && p[1] <= targetRSSMiB
	}
	flat := ""
	if len(sizes) > 1 {
		lo, hi := bySize[sizes[0]], bySize[sizes[len(sizes)-1]]
		for i := range 2 {
			ok = ok && hi[i] <= lo[i]*(1+targetRSSFlat)
		}
		flat = fmt.Sprintf("; %s vs %s: %+.0f%% / %+.0f%%", humanSize(sizes[len(sizes)-1]), humanSize(sizes[0]),
			100*(hi[0]/lo[0]-1), 100*(hi[1]/lo[1]-1))
	}
	return fmt.Sprintf("| ferry peak RSS, send / receive (MiB) | %s%s | <= %.0f MiB, within %.0f%% | %s |\n",
		strings.Join(parts, ", "), flat, targetRSSMiB, 100*targetRSSFlat, verdict(ok))
}

// setups are the setup times of every ferry transfer.
func (rep *report) setups() []float64 {
	var out []float64
	for _, s := range rep.Samples {
		if s.Setup > 0 {
			out = append(out, s.Setup)
		}
	}
	return out
}

func ratios(rs []float64) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%.2f", r)
	}
	return strings.Join(parts, ", ")
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
