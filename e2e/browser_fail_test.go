package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserCancelMidFile: Cancel pressed while a file downloads: the
// page says "interrupted" as the command does after Ctrl-C (not Go's
// "context canceled"), shows no SHA-256, the download fails rather than
// completing with part of the file, and the sender does not succeed.
func TestBrowserCancelMidFile(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "big.bin", 64<<20)
	const code = "51-apple-river"
	sender := sendWithCode(t, server, code, path)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	openApp(t, ctx, server, code)
	receiveInPage(t, ctx)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById('bar').value > (2 << 20) || !document.getElementById('error').hidden`,
		chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for the file to be under way: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("cancel"))); err != nil {
		t.Fatal(err)
	}
	o := waitPage(t, ctx)
	t.Logf("the page shows %q (%s)", o.err, o.kind)
	if o.kind != "interrupted" || !strings.HasPrefix(o.err, "ferry: receive: interrupted") || strings.Contains(o.err, "context canceled") {
		t.Errorf("the page shows %q (%s), want the command's \"ferry: receive: interrupted (…)\"", o.err, o.kind)
	}
	if o.sha256 != "" {
		t.Errorf("the page shows SHA-256 %s for a cancelled file", o.sha256)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download to fail: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			t.Fatalf("the download of the cancelled file completed (%v bytes)", ev.ReceivedBytes)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			break
		}
	}
	if sc, _ := sender.wait(transferTimeout); sc == 0 {
		t.Errorf("the sender exited 0 after the page cancelled\nstderr:\n%s", sender.stderr)
	}
}

// TestBrowserMemoryLimit: a page with no way to write to disk (no secure
// context: a plain-http LAN address) holds what it receives in memory, up to
// a limit, and says so rather than growing until the tab dies: an offer of
// more than the limit (3 GiB, sparse) fails at once, before anything is sent,
// as the command fails when the files do not fit on its disk (no_space, and
// the sender hears so); a stream of unknown size fails where it passes the
// limit (lowered here to 1 MiB), with no SHA-256 shown.
func TestBrowserMemoryLimit(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	pretendInsecure(t, ctx)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()

	huge := filepath.Join(t.TempDir(), "huge.bin")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 3<<30); err != nil {
		t.Fatal(err)
	}
	sender := sendWithCode(t, server, "52-apple-river", huge)
	openApp(t, ctx, server, "52-apple-river")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("receive"))); err != nil {
		t.Fatal(err)
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`!document.getElementById('accept-box').hidden || !document.getElementById('error').hidden`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for the offer: %v", err)
	}
	if asked, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('accept-box').hidden`)); asked {
		t.Fatal("the page asks to hold 3 GiB in memory")
	}
	o := waitPage(t, ctx)
	t.Logf("the page shows %q (%s)", o.err, o.kind)
	if o.kind != "no_space" || !strings.Contains(o.err, "in memory") {
		t.Errorf("offered 3 GiB, the page shows %q (%s), want no_space: more than it holds in memory", o.err, o.kind)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 1 || !strings.Contains(sender.stderr.String(), "not enough free space") {
		t.Errorf("sender exit code %d, want 1 with \"not enough free space\"\nstderr:\n%s", sc, sender.stderr)
	}

	stream := startIO(t, io.LimitReader(rand.Reader, 4<<20), nil, nil, nil, bin.ferry,
		"send", "--server", server, "--code", "53-apple-river", "--json", "-")
	stream.waitEvent("code", 30*time.Second)
	openApp(t, ctx, server, "53-apple-river")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`sinks.memoryLimit = 1 << 20`)); err != nil {
		t.Fatal(err)
	}
	receiveInPage(t, ctx)
	o = waitPage(t, ctx)
	t.Logf("the page shows %q (%s)", o.err, o.kind)
	if o.kind != "no_space" || !strings.Contains(o.err, "in memory") || o.sha256 != "" {
		t.Errorf("4 MiB of a stream over a 1 MiB limit: the page shows %q (%s), SHA-256 %q; want no_space and none", o.err, o.kind, o.sha256)
	}
	if sc, _ := stream.wait(transferTimeout); sc == 0 {
		t.Errorf("the stream's sender exited 0\nstderr:\n%s", stream.stderr)
	}
}

// TestBrowserMemoryFreedForNextReceive: a page that held a received file in
// memory (no secure context) lets it go when the next receive starts and
// its Save link leaves the page, rather than holding every file received
// since the page loaded: the old link's address no longer loads.
func TestBrowserMemoryFreedForNextReceive(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	pretendInsecure(t, ctx)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	// The page's CSP lets it fetch nothing but its origin (blob: URLs
	// included): bypassed here, to load the Save link's address.
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first, _ := randomFile(t, dir, "first.bin", 64<<10)
	second, _ := randomFile(t, dir, "second.bin", 64<<10)
	s1 := sendWithCode(t, server, "55-apple-river", first)
	s2 := sendWithCode(t, server, "56-apple-river", second)
	openApp(t, ctx, server, "55-apple-river")
	receiveInPage(t, ctx)
	if o := waitPage(t, ctx); o.err != "" {
		t.Fatalf("the first receive: %s", o.err)
	}
	held, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a.save').href`))
	if err != nil {
		t.Fatal(err)
	}
	loads := `fetch(` + jsString(held) + `).then(() => true, () => false)`
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](loads, chromedp.EvalAwaitPromise)); err != nil || !ok {
		t.Fatalf("the first file's Save link does not load (%v)", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash = '56-apple-river'`)); err != nil {
		t.Fatal(err)
	}
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('code').value === '56-apple-river'`,
		chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	receiveInPage(t, ctx)
	if o := waitPage(t, ctx); o.err != "" {
		t.Fatalf("the second receive: %s", o.err)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](loads, chromedp.EvalAwaitPromise)); err != nil || ok {
		t.Errorf("the first file is still held in memory (%v): its Save link's address loads after the next receive", err)
	}
	s1.wait(transferTimeout)
	s2.wait(transferTimeout)
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// pretendInsecure makes the pages ctx opens report no secure context, as
// http://LAN-ADDRESS is on a phone: no Service Worker, no file picker, so the
// page keeps what it receives in memory and offers Save links. The tests'
// loopback address is a secure context otherwise.
func pretendInsecure(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `Object.defineProperty(window, 'isSecureContext', {value: false});`,
	})
	if err != nil {
		t.Fatal(err)
	}
}
