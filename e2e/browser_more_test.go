package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserViaRelay: `ferry send --force-relay` to the page through
// ferry-rendezvous's embedded TURN relay (on loopback, which the relay
// refuses unless --turn-allow-peer opens it); the page says "via relay" and
// saves the same bytes.
func TestBrowserViaRelay(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t, "--turn-listen", "127.0.0.1:0", "--turn-public-ip", "127.0.0.1",
		"--turn-allow-peer", "127.0.0.0/8")
	path, sum := randomFile(t, t.TempDir(), "relayed.bin", 2<<20)
	const code = "46-apple-river"
	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", code, "--force-relay", "--json", path)
	sender.waitEvent("code", 30*time.Second)

	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	openApp(t, ctx, server, code)
	receiveInPage(t, ctx)
	o := waitPage(t, ctx)
	screenshot(t, ctx, "browser-relay.png")
	if o.err != "" {
		t.Fatalf("the page failed (%s): %s\nsender stderr:\n%s", o.kind, o.err, sender.stderr)
	}
	shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("route")))
	if err != nil {
		t.Fatal(err)
	}
	if o.route != "relay" || shown != "Connected via relay" {
		t.Errorf("the page shows route %q (%q), want relay", o.route, shown)
	}
	if o.sha256 != sum {
		t.Errorf("the page shows SHA-256 %q, want %s", o.sha256, sum)
	}
	sc, sevents := sender.wait(transferTimeout)
	if sc != 0 {
		t.Fatalf("sender exit code %d\nstderr:\n%s", sc, sender.stderr)
	}
	if conn, ok := findEvent(sevents, "connected"); !ok || conn.str("route") != "relay" {
		t.Errorf("the sender's connected event %v, want route relay", conn)
	}
}

// TestBrowserSendsFolder: a folder chosen in the page's folder input
// (webkitdirectory) reaches `ferry receive` with its relative paths, and so
// do several files chosen in the files input.
func TestBrowserSendsFolder(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	src := filepath.Join(t.TempDir(), "tree")
	want := map[string]string{}
	for _, p := range []string{"a.bin", "sub/b.bin", "sub/deeper/c.bin"} {
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		_, want["tree/"+p] = randomFile(t, src, p, 100<<10)
	}
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()

	for _, c := range []struct {
		input string
		paths []string
		want  map[string]string
	}{
		{"folder", []string{src}, want},
		{"files", []string{filepath.Join(src, "a.bin"), filepath.Join(src, "sub/b.bin")},
			map[string]string{"a.bin": want["tree/a.bin"], "b.bin": want["tree/sub/b.bin"]}},
	} {
		openApp(t, ctx, server, "")
		code := chooseAndSend(t, ctx, c.input, c.paths)
		out := t.TempDir()
		receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", code)
		rc, _ := receiver.wait(transferTimeout)
		o := waitPage(t, ctx)
		screenshot(t, ctx, "browser-send-"+c.input+".png")
		if rc != 0 || o.err != "" {
			t.Fatalf("%s: receiver exit code %d, the page: %s %s\nstderr:\n%s", c.input, rc, o.state, o.err, receiver.stderr)
		}
		for p, sum := range c.want {
			if got := fileSHA256(t, filepath.Join(out, p)); got != sum {
				t.Errorf("%s: %s has SHA-256 %s, want %s", c.input, p, got, sum)
			}
		}
	}
}

// chooseAndSend sets paths on the page's input id, clicks Send, and
// returns the code the page shows.
func chooseAndSend(t *testing.T, ctx context.Context, id string, paths []string) string {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID(id), paths), chromedp.WaitEnabled(chromedp.ID("send")),
		chromedp.Click(chromedp.ID("send")))
	if err != nil {
		t.Fatalf("sending from the page: %v", err)
	}
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`!document.getElementById('code-box').hidden || !document.getElementById('error').hidden`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for the page's code: %v", err)
	}
	code, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('code-out').textContent`))
	if err != nil || code == "" {
		msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('error').textContent`))
		t.Fatalf("the page shows no code (%v): %s", err, msg)
	}
	return code
}

// TestBrowserStaysOnItsOrigin: every request the page makes while it loads,
// receives a file (and its download) and sends one goes to its own origin.
func TestBrowserStaysOnItsOrigin(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	page, err := url.Parse(pageURL(server))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var requests []string
	note := func(u string) {
		mu.Lock()
		defer mu.Unlock()
		requests = append(requests, u)
	}
	err = chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			note(ev.Request.URL)
		case *network.EventWebSocketCreated:
			note(ev.URL)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	path, sum := randomFile(t, t.TempDir(), "origin.bin", 256<<10)
	const code = "47-apple-river"
	sender := sendWithCode(t, server, code, path)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	openApp(t, ctx, server, code)
	receiveInPage(t, ctx)
	if o := waitPage(t, ctx); o.err != "" || o.sha256 != sum {
		t.Fatalf("the page: %s (%s), SHA-256 %q", o.err, o.kind, o.sha256)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 0 {
		t.Fatalf("sender exit code %d", sc)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(requests) < 5 {
		t.Fatalf("recorded %d requests, want the page, its scripts, its wasm and its websocket: %q", len(requests), requests)
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil {
			t.Errorf("request to %q: %v", r, err)
			continue
		}
		if u.Host != page.Host || (u.Scheme != page.Scheme && u.Scheme != "ws") {
			t.Errorf("the page made a request outside its origin %s: %s", page.Host, r)
		}
	}
	t.Logf("%d requests recorded", len(requests))
}

// TestBrowserCancelAtOffer: Cancel while the page asks "Save to disk…"
// declines the offer (the client waits for the user's answer, and Cancel
// gives it one), and the sender hears so (exit 5), as when the command's
// prompt is answered no.
func TestBrowserCancelAtOffer(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "unwanted.bin", 1<<20)
	const code = "48-apple-river"
	sender := sendWithCode(t, server, code, path)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	openApp(t, ctx, server, code)
	err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("receive")), chromedp.WaitVisible(chromedp.ID("save")),
		chromedp.Click(chromedp.ID("cancel")))
	if err != nil {
		t.Fatalf("cancelling at the offer: %v", err)
	}
	o := waitPage(t, ctx)
	if o.kind != "declined" {
		t.Errorf("the page shows %q (%s), want declined", o.err, o.kind)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 5 {
		t.Errorf("sender exit code %d, want 5 (declined)\nstderr:\n%s", sc, sender.stderr)
	}
	t.Logf("the page shows %q; the sender: %s", o.err, strings.TrimSpace(sender.stderr.String()))
}
