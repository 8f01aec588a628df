package cli

import "time"

// JSON Lines events written to stdout with --json. Every line is one object
// with an "event" field; the fields of each event are documented in docs/cli.md.

type codeEvent struct {
	Event   string `json:"event"` // "code"
	Code    string `json:"code"`
	Server  string `json:"server"`
	Command string `json:"command"`
	// LANCommand: "ferry receive CODE", when the embedded server announces
	// itself on the local network; absent otherwise.
	LANCommand string `json:"lan_command,omitempty"`
	// WebURL: the server's web page with the code in the fragment, for a
	// browser.
	WebURL string `json:"web_url,omitempty"`
}

type connectedEvent struct {
	Event      string `json:"event"` // "connected"
	Route      string `json:"route"` // "direct" or "relay"
	LocalType  string `json:"local_type"`
	RemoteType string `json:"remote_type"`
	// Connections is how many peer connections carry the data (--parallel).
	Connections int `json:"connections"`
}

// waitingEvent: no sender waits under the code yet; with --wait the
// receiver keeps trying for WaitSeconds. Slot is the code's number only: the
// words stay secret.
type waitingEvent struct {
	Event       string  `json:"event"` // "waiting"
	Slot        string  `json:"slot"`
	WaitSeconds float64 `json:"wait_seconds"`
}

type verifyEvent struct {
	Event    string `json:"event"` // "verify"
	Verifier string `json:"verifier"`
}

type skippedEvent struct {
	Event  string `json:"event"` // "skipped"
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

type textEvent struct {
	Event string `json:"event"` // "text"
	Text  string `json:"text"`
}

// offerEvent: Files counts files (and a stream), as done's files does;
// Directories the directories offered with them.
type offerEvent struct {
	Event       string   `json:"event"` // "offer"
	Files       int      `json:"files"`
	Directories int      `json:"directories"`
	Bytes       int64    `json:"bytes"`
	Names       []string `json:"names"` // top-level names, at most a few
}

// resumedEvent: what the output directory held of a file from an earlier
// transfer was the sender's first Bytes bytes, which are not received again;
// Whole: the existing file already held everything (with --overwrite).
type resumedEvent struct {
	Event string `json:"event"` // "resumed"
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	Whole bool   `json:"whole"`
}

// discardedEvent: the partial file held from an earlier transfer did not
// match the sender's file; it is received again from the start.
type discardedEvent struct {
	Event string `json:"event"` // "discarded"
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"` // what was held
}

type progressEvent struct {
	Event string `json:"event"` // "progress"
	Bytes int64  `json:"bytes"`
	Total int64  `json:"total"`
}

type fileEvent struct {
	Event  string `json:"event"` // "file"
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type doneEvent struct {
	Event       string  `json:"event"` // "done"
	Files       int     `json:"files"`
	Bytes       int64   `json:"bytes"`
	Transferred int64   `json:"transferred"`
	WireBytes   int64   `json:"wire_bytes"` // what transferred took on the wire (compressed)
	Resumed     int64   `json:"resumed"`
	Seconds     float64 `json:"seconds"`
}

type errorEvent struct {
	Event   string `json:"event"` // "error"
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// jsonProgressEvery is how often progress events are written at most.
const jsonProgressEvery = 250 * time.Millisecond
