package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// largeSize is the file the large browser tests move: more than a page
// could hold in memory comfortably, so the bounds below mean something.
const largeSize = 256 << 20

// largeTimeout bounds a large browser test's page work (a few MB/s on a
// slow two-core machine under the race detector's load elsewhere).
const largeTimeout = 10 * time.Minute

// pageMemoryBound is the most the page's WebAssembly memory and JavaScript
// heap may reach while receiving largeSize bytes: well under the file.
const pageMemoryBound = 96 << 20

// startMemorySampler makes the page note the largest size of its
// WebAssembly memory and JavaScript heap, every 50 ms, and returns a
// function that reads them and the client's unread-queue high-water mark.
func startMemorySampler(t *testing.T, ctx context.Context) func() (wasm, heap, queued int64) {
	t.Helper()
	const sampler = `window.__mem = {wasm: 0, heap: 0};
		setInterval(() => {
			const m = window.__mem;
			m.wasm = Math.max(m.wasm, globalThis.ferryMemory.buffer.byteLength);
			if (performance.memory) m.heap = Math.max(m.heap, performance.memory.usedJSHeapSize);
		}, 50); true`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](sampler)); err != nil {
		t.Fatalf("sampling the page's memory: %v", err)
	}
	return func() (wasm, heap, queued int64) {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]int64](
			`[window.__mem.wasm, window.__mem.heap, globalThis.ferry.stats().queuedMax]`))
		if err != nil || len(v) != 3 {
			t.Fatalf("reading the page's memory: %v", err)
		}
		return v[0], v[1], v[2]
	}
}

// TestBrowserReceivesLargeFromCLI: 256 MiB from `ferry send` to the page,
// written to disk as it arrives (the Service Worker's download), the same
// bytes, with the page's memory bounded well under the file's size.
func TestBrowserReceivesLargeFromCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 256 MiB through a browser")
	}
	ctx := newBrowser(t)
	server := startRendezvous(t)
	path, sum := randomFile(t, t.TempDir(), "large.bin", largeSize)
	const code = "45-apple-river"
	sender := sendWithCode(t, server, code, path)

	ctx, cancel := context.WithTimeout(ctx, largeTimeout)
	defer cancel()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	openApp(t, ctx, server, code)
	memory := startMemorySampler(t, ctx)
	began := time.Now()
	receiveInPage(t, ctx)
	// A third of the way, the page shows the rate and the time left.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(() => { const b = document.getElementById('bar'); return b.value > b.max / 3 || !document.getElementById('error').hidden; })()`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(largeTimeout)))
	if err != nil {
		t.Fatalf("waiting for a third of the file: %v", err)
	}
	if numbers, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("numbers"))); !strings.Contains(numbers, " left") {
		t.Errorf("the page shows %q during the transfer, want the rate and the time left", numbers)
	}
	screenshot(t, ctx, "browser-receive-progress.png")
	o := waitPage(t, ctx)
	took := time.Since(began)
	screenshot(t, ctx, "browser-receive-large.png")
	if o.err != "" {
		t.Fatalf("the page failed (%s): %s\nsender stderr:\n%s", o.kind, o.err, sender.stderr)
	}
	wasm, heap, queued := memory()
	t.Logf("%d MiB CLI -> browser: %.1f s, %.1f MB/s; the page's peaks: wasm memory %d MiB, JS heap %d MiB, unread queue %d KiB",
		largeSize>>20, took.Seconds(), float64(largeSize)/took.Seconds()/1e6, wasm>>20, heap>>20, queued>>10)
	if wasm > pageMemoryBound || heap > pageMemoryBound {
		t.Fatalf("the page's memory reached %d MiB (wasm) and %d MiB (JS heap) for a %d MiB file, want under %d MiB",
			wasm>>20, heap>>20, largeSize>>20, pageMemoryBound>>20)
	}
	got := waitDownload(t, ctx, progress)
	if s := fileSHA256(t, got); s != sum || o.sha256 != sum {
		t.Fatalf("downloaded SHA-256 %s, the page shows %s, want %s", s, o.sha256, sum)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 0 {
		t.Fatalf("sender exit code %d\nstderr:\n%s", sc, sender.stderr)
	}
}

// TestBrowserSendsLargeToCLI: 256 MiB chosen in the page to `ferry
// receive`, the same bytes, with the page's memory bounded.
func TestBrowserSendsLargeToCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 256 MiB through a browser")
	}
	ctx := newBrowser(t)
	server := startRendezvous(t)
	path, sum := randomFile(t, t.TempDir(), "large-up.bin", largeSize)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(ctx, largeTimeout)
	defer cancel()

	openApp(t, ctx, server, "")
	memory := startMemorySampler(t, ctx)
	code := sendFromPage(t, ctx, path)
	began := time.Now()
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", code)
	rc, _ := receiver.wait(largeTimeout)
	took := time.Since(began)
	o := waitPage(t, ctx)
	if rc != 0 || o.err != "" {
		t.Fatalf("receiver exit code %d, the page: %s %s\nstderr:\n%s", rc, o.state, o.err, receiver.stderr)
	}
	if got := fileSHA256(t, out+"/large-up.bin"); got != sum || o.sha256 != sum {
		t.Fatalf("received SHA-256 %s, the page shows %s, want %s", got, o.sha256, sum)
	}
	wasm, heap, _ := memory()
	t.Logf("%d MiB browser -> CLI: %.1f s, %.1f MB/s; the page's peaks: wasm memory %d MiB, JS heap %d MiB",
		largeSize>>20, took.Seconds(), float64(largeSize)/took.Seconds()/1e6, wasm>>20, heap>>20)
	if wasm > pageMemoryBound || heap > pageMemoryBound {
		t.Errorf("the page's memory reached %d MiB (wasm) and %d MiB (JS heap), want under %d MiB",
			wasm>>20, heap>>20, pageMemoryBound>>20)
	}
}
