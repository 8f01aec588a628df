package transfer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errKind classifies an error frame, so that the peer can wrap the right sentinel.
type errKind uint8

const (
	kindFailed     errKind = 0 // anything else: disk full, unreadable source, ...
	kindIntegrity  errKind = 1
	kindExists     errKind = 2
	kindUnsafeName errKind = 3
	kindProtocol   errKind = 4
	kindVersion    errKind = 5
	kindDeclined   errKind = 6
	kindNoSpace    errKind = 8
	// kindSourceChanged (in error and fileAbort frames): a file changed as
	// the sender read it. A peer that does not know it reports a failure.
	kindSourceChanged errKind = 7
)

var kindSentinels = []struct {
	kind errKind
	err  error
}{
	{kindIntegrity, ErrIntegrity},
	{kindExists, ErrExists},
	{kindUnsafeName, ErrUnsafeName},
	{kindProtocol, ErrProtocol},
	{kindVersion, ErrVersion},
	{kindDeclined, ErrDeclined},
	{kindNoSpace, ErrNoSpace},
	{kindSourceChanged, ErrSourceChanged},
}

func (k errKind) sentinel() error {
	for _, ks := range kindSentinels {
		if ks.kind == k {
			return ks.err
		}
	}
	return nil
}

// peerMessage turns a local error into the kind and text of an error frame. The
// text leaves out the sentinel's own words, which the peer adds back.
func peerMessage(err error) (errKind, string) {
	msg := err.Error()
	var tp *toPeer
	for _, ks := range kindSentinels {
		if errors.Is(err, ks.err) {
			if errors.As(err, &tp) {
				return ks.kind, tp.peer
			}
			if msg == ks.err.Error() {
				return ks.kind, "" // the bare sentinel: its words are all there is
			}
			msg, ok := strings.CutPrefix(msg, ks.err.Error()+": ")
			if !ok {
				msg = strings.TrimPrefix(msg, ks.err.Error()+" ")
			}
			return ks.kind, msg
		}
	}
	return kindFailed, msg
}

// toPeer is an error whose words for the peer differ from its own: advice
// for this side's user ("use --overwrite") would mislead the other.
type toPeer struct {
	err  error
	peer string // "" tells the peer the sentinel's words only
}

func (e *toPeer) Error() string { return e.err.Error() }
func (e *toPeer) Unwrap() error { return e.err }

// declined is an offer this side declined, in its own words.
type declined struct{ msg string }

func (e *declined) Error() string { return e.msg }
func (e *declined) Unwrap() error { return ErrDeclined }

// Decline returns an error for ReceiveOptions.Accept that declines the
// offer: msg is what the receiver reports, toSender what the sender reads
// after "the receiver declined: " ("" adds nothing). An Accept that returns
// another error wrapping ErrDeclined tells the sender its whole message.
func Decline(msg, toSender string) error {
	return &toPeer{err: &declined{msg: msg}, peer: toSender}
}

// remoteError is what the peer reported in an error frame.
type remoteError struct {
	kind errKind
	peer string // "sender" or "receiver"
	msg  string // as received; escaped when displayed
}

func (e *remoteError) Error() string {
	if e.kind == kindDeclined {
		if e.msg == "" {
			return ErrDeclined.Error()
		}
		return ErrDeclined.Error() + ": " + escapeText(e.msg)
	}
	s := "the " + e.peer + " reported: " + escapeText(e.msg)
	se := e.kind.sentinel()
	switch {
	case se != nil && e.msg == "":
		return se.Error() + " (the " + e.peer + " reported)"
	case se != nil:
		return se.Error() + ": " + s
	}
	return s
}

func (e *remoteError) Unwrap() error { return e.kind.sentinel() }

// FromPeer reports whether err is the peer's own account of why it stopped
// (an error frame, a decline): the peer has given up, so nothing written to
// it since needs delivering, and the connection may be torn down at once.
func FromPeer(err error) bool {
	var re *remoteError
	return errors.As(err, &re)
}

// quoteName shows a name that may come from the peer: quoted and escaped like
// strconv.Quote (control characters, escapes, bidi overrides and invalid UTF-8
// never reach a terminal raw), and shortened when very long.
func quoteName(name string) string {
	const max = 200
	if len(name) <= max {
		return strconv.Quote(name)
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(strings.ToValidUTF8(name[:max], "")), len(name))
}

// escapeText makes a message from the peer safe to print: printable characters
// stay as they are, everything else is shown as an escape. It is cut to
// maxMessageLen.
func escapeText(s string) string {
	if len(s) > maxMessageLen {
		s = s[:maxMessageLen]
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == ' ' || (strconv.IsPrint(r) && !isBidiControl(r)):
			b.WriteRune(r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += n
	}
	return b.String()
}

// HumanBytes formats n in binary units ("1.5 MiB"), as in transfer's
// messages; the CLI uses it too, so that sizes read alike everywhere.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
