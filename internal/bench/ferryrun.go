package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// event is the part of ferry's --json events the benchmark reads.
type event struct {
	Event   string  `json:"event"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	Wire    int64   `json:"wire_bytes"`
	Path    string  `json:"path"`
	SHA256  string  `json:"sha256"`
	Route   string  `json:"route"`
	Kind    string  `json:"kind"`
	Message string  `json:"message"`
}

func decodeJSON(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func isEvent(name string) func(string) bool {
	return func(s string) bool {
		var e event
		return decodeJSON(s, &e) == nil && e.Event == name
	}
}

// ferry moves file with the built binaries through the rendezvous server:
// the sender first (it waits under its code), then the receiver, timed from
// its start to its first progress event, which it writes when the file's
// first frame arrives. Both sides get the flags in extra.
func (r *runner) ferry(ctx context.Context, file string, size int64, extra ...string) (sample, error) {
	return r.ferryEnv(ctx, nil, file, size, extra...)
}

// ferryEnv is ferry with environment variables added to both sides'.
func (r *runner) ferryEnv(ctx context.Context, env []string, file string, size int64, extra ...string) (sample, error) {
	r.slot++
	code := fmt.Sprintf("%d-bench-run", r.slot)
	out := filepath.Join(r.work, fmt.Sprintf("received-%d", r.slot))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(out)
	env = append(slices.Clone(env), "FERRY_CODE="+code)
	exe := filepath.Join(r.bin, "ferry")
	send, err := r.start(ctx, "ferry-send", env, append([]string{exe, "send", "--server", r.server, "--json", file}, extra...)...)
	if err != nil {
		return sample{}, err
	}
	if _, err := send.waitLine(30*time.Second, isEvent("code")); err != nil {
		send.kill()
		return sample{}, err
	}
	recv, err := r.start(ctx, "ferry-receive", env, append([]string{exe, "receive", "--server", r.server, "--yes", "--json", "--out", out}, extra...)...)
	if err != nil {
		send.kill()
		return sample{}, err
	}
	first, err := recv.waitLine(60*time.Second, isEvent("progress"))
	if err != nil {
		recv.kill()
		send.kill()
		return sample{}, err
	}
	ru, rlines, err := recv.wait()
	if err != nil {
		send.kill()
		return sample{}, err
	}
	su, slines, err := send.wait()
	if err != nil {
		return sample{}, err
	}
	rdone, rsum := doneAndDigest(rlines)
	_, ssum := doneAndDigest(slines)
	switch {
	case rdone.Event != "done" || rdone.Bytes != size:
		return sample{}, fmt.Errorf("ferry receive reported no done event for %d bytes: %s", size, recv.stderr)
	case rsum == "" || rsum != ssum:
		return sample{}, fmt.Errorf("the two sides report different SHA-256 digests: sent %q, received %q", ssum, rsum)
	}
	fi, err := os.Stat(filepath.Join(out, filepath.Base(file)))
	if err != nil || fi.Size() != size {
		return sample{}, fmt.Errorf("the received file is missing or has the wrong size: %v", err)
	}
	s := newSample(size, rdone.Seconds, su, ru)
	s.Setup = first.at.Seconds()
	s.WireBytes = rdone.Wire
	return s, nil
}

// doneAndDigest finds the done event and the file's digest among the lines.
func doneAndDigest(lines []line) (done event, sha string) {
	for _, l := range lines {
		var e event
		if decodeJSON(l.text, &e) != nil {
			continue
		}
		switch e.Event {
		case "done":
			done = e
		case "file":
			sha = e.SHA256
		}
	}
	return done, sha
}
