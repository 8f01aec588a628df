package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

func printErrors(w io.Writer, errs map[string]int, examples map[string]string) {
	if len(errs) == 0 {
		fmt.Fprintln(w, "  errors: none")
		return
	}
	fmt.Fprintln(w, "  errors:")
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		fmt.Fprintf(w, "    %-40s %d\n", k, errs[k])
		if e := examples[k]; e != "" {
			if len(e) > 200 {
				e = e[:200] + "..."
			}
			fmt.Fprintf(w, "      e.g. %s\n", e)
		}
	}
}

func printHold(w io.Writer, r HoldReport) {
	fmt.Fprintf(w, "hold: %d senders waiting at once (asked %d, %d opening at a time)\n", r.Opened, r.Options.Slots, r.Options.Concurrency)
	fmt.Fprintf(w, "  opened in %s (%.0f/s); connect + code: %s\n", r.OpenTime.Round(time.Millisecond), float64(r.Opened)/r.OpenTime.Seconds(), r.Open)
	fmt.Fprintf(w, "  server before: %s\n", r.Before)
	fmt.Fprintf(w, "  server holding, after %s: %s\n", r.Options.Hold, r.Holding)
	fmt.Fprintf(w, "  server memory per waiting sender: %.1f KiB (heap in use %s)\n", float64(r.PerSlot)/1024, mib(r.Holding.HeapInuse))
	fmt.Fprintf(w, "  released in %s; %s\n", r.CloseTime.Round(time.Millisecond), r.Leak)
	printErrors(w, r.Errors, r.Examples)
}

func printPair(w io.Writer, r PairReport) {
	o := r.Options
	if o.Rate > 0 {
		fmt.Fprintf(w, "pair: %.0f pairings/s scheduled for %s (%d messages of %d bytes each way per pairing)\n", o.Rate, o.Duration, o.Messages, o.MessageSize)
	} else {
		fmt.Fprintf(w, "pair: as fast as %d at a time allow, for %s (%d messages of %d bytes each way per pairing)\n", o.Concurrency, o.Duration, o.Messages, o.MessageSize)
	}
	fmt.Fprintf(w, "  started %d, completed %d: %.0f pairings/s\n", r.Started, r.Completed, r.PerSecond)
	fmt.Fprintf(w, "  pairing latency (due -> both sides paired):      %s\n", r.Pairing)
	fmt.Fprintf(w, "  handshake latency (due -> signaling both ways):  %s\n", r.Exchange)
	fmt.Fprintf(w, "  server CPU: %.2f cores; CPU per pairing: server %s, load generator %s\n", r.ServerCPU, us(r.ServerCPUPerPairing), us(r.ClientCPUPerPairing))
	fmt.Fprintf(w, "  server before: %s\n", r.Before)
	fmt.Fprintf(w, "  server near the end: %s\n", r.During)
	fmt.Fprintf(w, "  %s\n", r.Leak)
	printErrors(w, r.Errors, r.Examples)
}

func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }

func printChurn(w io.Writer, r ChurnReport) {
	o := r.Options
	fmt.Fprintf(w, "churn: %s after a %s warm-up: %.0f pairings/s (one in %d with a third client trying the used code), %d senders waiting (mean %s), %.0f unknown codes/s, %.0f idle connections/s\n",
		o.Duration, o.Warmup, o.PairRate, o.UsedEvery, o.Waiting, o.WaitFor, o.BadJoinRate, o.IdleRate)
	fmt.Fprintf(w, "  baseline:  %s\n", r.Baseline)
	fmt.Fprintf(w, "  reference: %s\n", r.Start)
	fmt.Fprintf(w, "  end:       %s\n", r.End)
	fmt.Fprintf(w, "  RSS at the end vs the reference: %+.1f%% (limit +10%%)\n", 100*r.RSSGrowth)
	var maxRSS int64
	maxG := 0
	for _, s := range r.Samples {
		maxRSS = max(maxRSS, s.RSS)
		maxG = max(maxG, s.Goroutines)
	}
	fmt.Fprintf(w, "  peak over %d samples: rss %s, goroutines %d\n", len(r.Samples), mib(maxRSS), maxG)
	fmt.Fprintf(w, "  pairing latency: %s\n", r.Pairing)
	fmt.Fprintln(w, "  done:")
	for _, k := range slices.Sorted(maps.Keys(r.Done)) {
		fmt.Fprintf(w, "    %-40s %d\n", k, r.Done[k])
	}
	printErrors(w, r.Errors, r.Examples)
	fmt.Fprintf(w, "  %s\n", r.Leak)
	verdict := "PASS: nothing leaked"
	if !r.OK() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "  %s\n", verdict)
}

func printBurn(w io.Writer, r BurnReport, maxEnded int) {
	o := r.Options
	fmt.Fprintf(w, "burn: %d attacker addresses for %s against %d waiting senders (asked %d)\n", o.Attackers, r.Elapsed.Round(time.Millisecond), r.Waiting, o.Senders)
	verdict := "ok"
	if r.Ended > maxEnded {
		verdict = "TOO MANY"
	}
	fmt.Fprintf(w, "  senders whose wait was ended: %d (at most %d wanted: %s)\n", r.Ended, maxEnded, verdict)
	fmt.Fprintln(w, "  attackers' joins:")
	for _, k := range slices.Sorted(maps.Keys(r.Joins)) {
		fmt.Fprintf(w, "    %-40s %d\n", k, r.Joins[k])
	}
	printErrors(w, r.Errors, nil)
}
