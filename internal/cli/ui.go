package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/schollz/progressbar/v3"

	"github.com/ferry-dev/ferry"
	"github.com/ferry-dev/ferry/internal/tune"
	"github.com/ferry-dev/ferry/transfer"
)

// ui reports what happens to the user: JSON events on stdout with --json,
// otherwise messages on stderr and a progress bar when stderr is a terminal.
// It implements ferry.Events but for Offer, Code and Done, which differ by
// side (flowevents.go).
type ui struct {
	ios   *IOStreams
	json  *eventWriter // nil unless --json
	quiet bool

	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	barLabel string
	// unknownSize is set when the transfer holds a stream of unknown length.
	unknownSize bool
	gotText     bool // a text message was shown: no summary line
	lastJSON    time.Time
	started     time.Time // the first progress: the data phase began
}

func newUI(ios *IOStreams, jsonOut, quiet bool) *ui {
	u := &ui{ios: ios, quiet: quiet}
	if jsonOut {
		u.json = newEventWriter(ios.Out)
	}
	return u
}

// close writes the JSON events still queued for a slow reader (--json).
func (u *ui) close() {
	if u.json != nil {
		u.json.close()
	}
}

// human reports whether plain messages go to stderr.
func (u *ui) human() bool { return u.json == nil && !u.quiet }

func (u *ui) infof(format string, args ...any) {
	if u.human() {
		fmt.Fprintf(u.ios.ErrOut, format+"\n", args...)
	}
}

// warnf tells the user about something that works, but not as well as it
// could (e.g. small UDP socket buffers): on stderr, also with --json, not
// with --quiet.
func (u *ui) warnf(format string, args ...any) {
	if !u.quiet {
		fmt.Fprintf(u.ios.ErrOut, "ferry: warning: "+format+"\n", args...)
	}
}

func (u *ui) code(c ferry.CodeInfo) {
	if u.json != nil {
		u.json.write(codeEvent{Event: "code", Code: c.Code, Server: c.Server, Command: c.Command, LANCommand: c.LANCommand, WebURL: c.WebURL})
		return
	}
	// Even with --quiet the code must be shown: it is the one thing to pass on.
	var b strings.Builder
	fmt.Fprintf(&b, "Code: %s\nOn the other computer, run:\n", c.Code)
	if c.LANCommand != "" {
		fmt.Fprintf(&b, "  %s\nor, if it finds no sender on this network:\n", c.LANCommand)
	}
	fmt.Fprintf(&b, "  %s\n", c.Command)
	if c.WebURL != "" {
		fmt.Fprintf(&b, "or open in a browser:\n  %s\n", c.WebURL)
	}
	_, _ = io.WriteString(u.ios.ErrOut, b.String())
}

// Connected implements ferry.Events.
func (u *ui) Connected(c ferry.Connection) {
	tune.Connections(c.Connections) // the memory the collector may use grows with them
	r := c.Route
	route := routeName(r)
	u.barLabel = route
	if u.json != nil {
		u.json.write(connectedEvent{Event: "connected", Route: route, LocalType: r.LocalType, RemoteType: r.RemoteType, Connections: c.Connections})
	} else {
		how := "direct"
		if !r.Direct {
			how = "via relay"
		}
		if c.Connections > 1 {
			how = fmt.Sprintf("%s, %d connections", how, c.Connections)
		}
		u.infof("Connected (%s, %s to %s).", how, r.LocalType, r.RemoteType)
	}
	if c.Warning != "" {
		u.warnf("%s", c.Warning) // one connection per process: shown once
	}
}

func routeName(r ferry.Route) string {
	if r.Direct {
		return "direct"
	}
	return "relay"
}

func (u *ui) skipped(s transfer.Skipped) {
	if u.json != nil {
		u.json.write(skippedEvent{Event: "skipped", Path: s.Path, Reason: s.Reason})
		return
	}
	if !u.quiet {
		fmt.Fprintf(u.ios.ErrOut, "Skipped %s: %s (not sent).\n", displayName(s.Path), s.Reason)
	}
}

// text shows a received text message: on stdout, with control characters
// escaped when stdout is a terminal; in a text event with --json.
func (u *ui) text(b []byte) error {
	if u.json != nil {
		u.json.write(textEvent{Event: "text", Text: string(b)})
		return nil
	}
	u.gotText = true
	if u.ios.StdoutTTY {
		b = []byte(terminalSafe(string(b)))
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
	}
	_, err := outputWriter{u.ios.Out}.Write(b)
	return err
}

// Waiting implements ferry.Events: the receiver came first and waits for
// its sender (--wait).
func (u *ui) Waiting(slot string, wait time.Duration) {
	if u.json != nil {
		u.json.write(waitingEvent{Event: "waiting", Slot: slot, WaitSeconds: wait.Seconds()})
		return
	}
	u.infof("No sender is waiting under code %s yet: waiting up to %s for it (--wait).", slot, wait)
}

func (u *ui) verify(s string) {
	if u.json != nil {
		u.json.write(verifyEvent{Event: "verify", Verifier: s})
	}
}

// sizes notes whether the manifest has a stream of unknown length.
func (u *ui) sizes(m transfer.Manifest) {
	for _, e := range m.Entries {
		if e.Size < 0 {
			u.unknownSize = true
		}
	}
}

func (u *ui) offer(m transfer.Manifest) {
	if u.json != nil {
		files, dirs := countEntries(m)
		u.json.write(offerEvent{Event: "offer", Files: files, Directories: dirs, Bytes: m.TotalBytes, Names: topNames(m, 10)})
	}
}

// Progress implements ferry.Events.
func (u *ui) Progress(done, total int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.started.IsZero() {
		u.started = time.Now()
	}
	if u.json != nil {
		if now := time.Now(); now.Sub(u.lastJSON) >= jsonProgressEvery || done == total {
			u.lastJSON = now
			u.json.writeProgress(progressEvent{Event: "progress", Bytes: done, Total: total})
		}
		return
	}
	if u.quiet || !u.ios.StderrTTY {
		return
	}
	if u.bar == nil {
		label := "direct"
		if u.barLabel == "relay" {
			label = "via relay"
		}
		max := total
		if u.unknownSize {
			max = -1 // a spinner with bytes and rate, no ETA
		}
		u.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(u.ios.ErrOut),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionUseIECUnits(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(u.ios.ErrOut) }),
		)
	}
	_ = u.bar.Set64(done)
}

// Resumed implements ferry.Events.
func (u *ui) Resumed(path string, offset int64, whole bool) {
	if u.json != nil {
		u.json.write(resumedEvent{Event: "resumed", Path: path, Bytes: offset, Whole: whole})
		return
	}
	if whole {
		u.note("Kept %s: it already holds the sender's bytes.", displayName(path))
		return
	}
	u.note("Resuming %s from %s (kept from an earlier transfer).", displayName(path), transfer.HumanBytes(offset))
}

// Discarded implements ferry.Events.
func (u *ui) Discarded(path string, held int64) {
	if u.json != nil {
		u.json.write(discardedEvent{Event: "discarded", Path: path, Bytes: held})
		return
	}
	u.note("Discarded the partial %s (%s) from an earlier transfer: it did not match the sender's file; receiving it from the start.",
		displayName(path), transfer.HumanBytes(held))
}

// note prints a message between progress bar updates.
func (u *ui) note(format string, args ...any) {
	if !u.human() {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.bar != nil {
		_ = u.bar.Clear()
	}
	fmt.Fprintf(u.ios.ErrOut, format+"\n", args...)
}

// File implements ferry.Events.
func (u *ui) File(f ferry.FileResult) {
	if u.json != nil {
		u.json.write(fileEvent{Event: "file", Path: f.Path, Size: f.Size, SHA256: f.SHA256})
		return
	}
	if u.human() {
		u.mu.Lock()
		if u.bar != nil {
			_ = u.bar.Clear()
		}
		fmt.Fprintf(u.ios.ErrOut, "%s  %s  %s\n", f.SHA256, displayName(f.Path), transfer.HumanBytes(f.Size))
		u.mu.Unlock()
	}
}

func (u *ui) done(verb string, r transfer.Result) {
	u.mu.Lock()
	if u.bar != nil {
		_ = u.bar.Finish()
	}
	u.mu.Unlock()
	// The data phase only: not the wait for the receiver or for its answer.
	secs := r.Duration.Seconds()
	if !u.started.IsZero() {
		secs = time.Since(u.started).Seconds()
	}
	if u.json != nil {
		u.json.write(doneEvent{Event: "done", Files: r.Files, Bytes: r.Bytes, Transferred: r.Transferred, WireBytes: r.WireBytes, Resumed: r.Resumed, Seconds: secs})
		return
	}
	if u.gotText {
		return
	}
	rate := ""
	if secs > 0 {
		rate = fmt.Sprintf(" (%.1f MB/s)", float64(r.Transferred)/secs/1e6)
	}
	u.infof("%s %d %s, %s in %.1fs%s.", verb, r.Files, plural(r.Files, "file", "files"), transfer.HumanBytes(r.Bytes), secs, rate)
}

func (u *ui) fail(kind string, err error) {
	u.mu.Lock()
	if u.bar != nil {
		_ = u.bar.Exit()
		fmt.Fprintln(u.ios.ErrOut)
	}
	u.mu.Unlock()
	if u.json != nil {
		u.json.write(errorEvent{Event: "error", Kind: kind, Message: message(kind, err)})
	}
	fmt.Fprintf(u.ios.ErrOut, "ferry: %s\n", message(kind, err))
}

// countTop counts the distinct first path components of the manifest.
func countTop(m transfer.Manifest) int {
	seen := map[string]bool{}
	for _, e := range m.Entries {
		top, _, _ := strings.Cut(e.Path, "/")
		seen[top] = true
	}
	return len(seen)
}

// topNames returns the distinct first path components of the manifest, at most n.
func topNames(m transfer.Manifest, n int) []string {
	seen := map[string]bool{}
	var names []string
	for _, e := range m.Entries {
		top, _, _ := strings.Cut(e.Path, "/")
		if !seen[top] {
			seen[top] = true
			if len(names) < n {
				names = append(names, top)
			}
		}
	}
	return names
}

// terminalSafe escapes control characters except newline and tab, so that a
// text from the peer cannot drive the terminal.
func terminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == unicode.ReplacementChar || !unicode.IsPrint(r) && !unicode.IsSpace(r) || unicode.IsControl(r):
			b.WriteString(strings.Trim(strconv.QuoteRune(r), "'"))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// displayName shows a name from the peer safely: printable names as they are,
// anything else quoted with escapes, never raw control characters.
func displayName(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == unicode.ReplacementChar {
			return strconv.Quote(s)
		}
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
