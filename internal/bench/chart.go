package bench

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/ferry-dev/ferry/peer"
	"strings"
)

// reportCmd prints the table of an earlier run from its results.json and
// writes its results.md and bench.svg again (after a change to either).
func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	in := fs.String("in", "bench-out/results.json", "results of a run")
	if err := parse(fs, args); err != nil {
		return err
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("report: %s: %w", *in, err)
	}
	return rep.write(filepath.Dir(*in), stdout)
}

// chart draws the medians as an SVG: throughput bars against the ceiling,
// the targets as lines, and peak RSS per file size.
func (rep *report) chart() string {
	type bar struct {
		label string
		value float64
		color string
		note  string
	}
	ceiling, ferry, text, tcp := rep.summary(kindCeiling), rep.summary(kindFerry), rep.summary(kindText), rep.summary(kindTCP)
	var bars []bar
	if ceiling.n > 0 {
		bars = append(bars, bar{"ceiling: bare pion, 2 processes", ceiling.mbps, "#8c8c8c", ""})
	}
	if ferry.n > 0 {
		note := ""
		if ceiling.n > 0 {
			note = fmt.Sprintf("%.1f%% of the ceiling", 100*ferry.mbps/ceiling.mbps)
		}
		bars = append(bars, bar{"ferry, random data", ferry.mbps, "#1f77b4", note})
	}
	if text.n > 0 {
		bars = append(bars, bar{"ferry, text (compressed)", text.mbps, "#2ca02c", ""})
	}
	for _, s := range scaling {
		if par := rep.summary(s.kind); par.n > 0 {
			bars = append(bars, bar{fmt.Sprintf("ferry --parallel %d, random", s.conns), par.mbps, "#9467bd",
				fmt.Sprintf("%d cores here, %.0f MiB", runtime.NumCPU(), max(par.sendRSS, par.recvRSS))})
		}
	}
	if def := rep.summary(kindDefault); def.n > 0 {
		bars = append(bars, bar{fmt.Sprintf("ferry default (%d connections)", peer.DefaultParallel()), def.mbps, "#6a3d9a",
			fmt.Sprintf("%.0f MiB", max(def.sendRSS, def.recvRSS))})
	}
	if procs := rep.summary(kindProcs); procs.n > 0 {
		bars = append(bars, bar{fmt.Sprintf("ferry, GOMAXPROCS=%d", manyProcs), procs.mbps, "#17becf", ""})
	}
	if croc := rep.summary(kindCroc); croc.n > 0 {
		bars = append(bars, bar{"croc 10.7.0 (whole run)", croc.mbps, "#ff7f0e", "its own relay, same file"})
	}
	bars = append(bars, bar{"pion-v3 peer (reference)", peerV3MBps, "#d9d9d9", "measured earlier, not in this run"})

	scale := 0.0
	for _, b := range bars {
		scale = max(scale, b.value)
	}
	scale = max(scale, targetMBps) * 1.15

	const (
		width   = 760
		left    = 230
		plotW   = 440
		barH    = 26
		gap     = 12
		top     = 56
		rssRowH = 22
	)
	var rss []sample
	for _, s := range rep.Samples {
		if s.Kind == kindFerry {
			rss = append(rss, s)
		}
	}
	rssSizes := rssBySize(rss)
	height := top + len(bars)*(barH+gap) + 100 + len(rssSizes)*rssRowH*2 + 40

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="13">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">ferry over loopback: %s file, median of %d runs (MB/s)</text>`+"\n", humanSize(rep.Size), rep.Runs)
	fmt.Fprintf(&b, `<text x="10" y="40" fill="#555">%s; %s</text>`+"\n", html.EscapeString(rep.Machine), rep.Date.Format("2006-01-02"))
	x := func(v float64) float64 { return left + v/scale*plotW }
	bottom := top + len(bars)*(barH+gap)
	// The target lines first, so that the bars and their labels cover them.
	line := func(v float64, color, label string, row int) {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="5,3"/>`+"\n", x(v), top-6, x(v), bottom, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s" font-size="11" text-anchor="middle">%s</text>`+"\n", x(v), bottom+14+row*13, color, html.EscapeString(label))
	}
	line(targetMBps, "#d62728", fmt.Sprintf("target %.0f MB/s", targetMBps), 0)
	if ceiling.n > 0 {
		line(targetRatio*ceiling.mbps, "#ff7f0e", fmt.Sprintf("90%% of the ceiling: %.1f", targetRatio*ceiling.mbps), 1)
	}
	for i, br := range bars {
		y := top + i*(barH+gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH/2+5, html.EscapeString(br.label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, x(br.value)-left, barH, br.color)
		label := fmt.Sprintf("%.1f", br.value)
		if br.note != "" {
			label += " — " + br.note
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" stroke="white" stroke-width="4" paint-order="stroke">%s</text>`+"\n", x(br.value)+6, y+barH/2+5, html.EscapeString(label))
	}
	y := bottom + 46
	if tcp.n > 0 {
		fmt.Fprintf(&b, `<text x="10" y="%d" fill="#555">TCP over loopback, the physical reference: %.0f MB/s (off this scale); ferry / TCP = %.3f</text>`+"\n", y, tcp.mbps, ferry.mbps/tcp.mbps)
		y += 18
	}
	if setups := rep.setups(); len(setups) > 0 {
		fmt.Fprintf(&b, `<text x="10" y="%d" fill="#555">ferry receive start to first data: %.2f s, median of %d (target &lt; %.1f s)</text>`+"\n", y, median(setups), len(setups), targetSetup)
	}
	y += 26
	if len(rssSizes) > 0 {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">ferry peak RSS (MiB), target &lt;= %.0f MiB on each side</text>`+"\n", y, targetRSSMiB)
		y += 10
		rx := func(v float64) float64 { return left + v/(targetRSSMiB*1.4)*plotW }
		for _, r := range rssSizes {
			for side, v := range []float64{r.send, r.recv} {
				name := []string{"send", "receive"}[side]
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s, %s</text>`+"\n", left-8, y+15, humanSize(r.size), name)
				color := []string{"#1f77b4", "#9ecae1"}[side]
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y+3, rx(v)-left, rssRowH-6, color)
				fmt.Fprintf(&b, `<text x="%.1f" y="%d">%.1f</text>`+"\n", rx(v)+6, y+15, v)
				y += rssRowH
			}
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#d62728" stroke-dasharray="5,3"/>`+"\n",
			rx(targetRSSMiB), y-len(rssSizes)*2*rssRowH, rx(targetRSSMiB), y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#d62728" font-size="11" text-anchor="middle">target %.0f MiB</text>`+"\n",
			rx(targetRSSMiB), y+14, targetRSSMiB)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

type rssRow struct {
	size       int64
	send, recv float64
}

// rssBySize returns the largest peaks per file size, smallest size first.
func rssBySize(ss []sample) []rssRow {
	var rows []rssRow
	for _, s := range ss {
		found := false
		for i := range rows {
			if rows[i].size == s.Bytes {
				rows[i].send, rows[i].recv = max(rows[i].send, s.SendRSSMiB), max(rows[i].recv, s.RecvRSSMiB)
				found = true
			}
		}
		if !found {
			rows = append(rows, rssRow{s.Bytes, s.SendRSSMiB, s.RecvRSSMiB})
		}
	}
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			if rows[j].size < rows[i].size {
				rows[i], rows[j] = rows[j], rows[i]
			}
		}
	}
	return rows
}
