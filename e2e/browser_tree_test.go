package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestBrowserReceivesTree: `ferry send DIR` of a tree (nested directories,
// an empty file, a few MiB) to the page, which downloads each file through
// its Service Worker as it arrives, named by its path flattened
// ("tree/sub/deep/c.bin" as "tree_sub_deep_c.bin"); every download's bytes
// and every SHA-256 the page shows match, and the sender exits 0.
func TestBrowserReceivesTree(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	root := filepath.Join(t.TempDir(), "tree")
	for _, d := range []string{"sub/deep", "other"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{} // path as offered -> SHA-256
	for _, f := range []struct {
		name string
		size int64
	}{
		{"a.bin", 2 << 20},
		{"sub/b.bin", 1<<20 + 12345},
		{"sub/deep/c.bin", 700_000},
		{"other/d.txt", 3},
		{"sub/empty", 0},
	} {
		_, sum := randomFile(t, root, f.name, f.size)
		want["tree/"+f.name] = sum
	}

	const code = "45-apple-river"
	sender := sendWithCode(t, server, code, root)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()

	var mu sync.Mutex
	names := map[string]string{} // download GUID -> suggested name
	begins := chromedp.Events(ctx, browser.DownloadWillBegin)
	go func() {
		for ev, err := range begins {
			if err != nil {
				return
			}
			mu.Lock()
			names[ev.GUID] = ev.SuggestedFilename
			mu.Unlock()
		}
	}()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	openApp(t, ctx, server, code)
	receiveInPage(t, ctx)
	o := waitPage(t, ctx)
	if o.err != "" {
		t.Fatalf("the page failed (%s): %s\nsender stderr:\n%s", o.kind, o.err, sender.stderr)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(
		Array.from(document.querySelectorAll('#results li'), (li) =>
			[li.querySelector('strong').textContent, li.querySelector('[data-sha256]').dataset.sha256]))`))
	if err != nil {
		t.Fatal(err)
	}
	for path, sum := range want {
		if shown[path] != sum {
			t.Errorf("the page shows %s with SHA-256 %q, want %s", path, shown[path], sum)
		}
	}
	if len(shown) != len(want) {
		t.Errorf("the page shows %d files, want %d: %v", len(shown), len(want), shown)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 0 {
		t.Fatalf("sender exit code %d\nstderr:\n%s", sc, sender.stderr)
	}

	dir, _ := ctx.Value(downloadsKey{}).(string)
	got := map[string]string{} // flattened name -> SHA-256 of the download
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the downloads: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("a download was cancelled")
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		for mu.Lock(); names[ev.GUID] == ""; mu.Lock() { // DownloadWillBegin comes first, on another queue
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
		name := names[ev.GUID]
		mu.Unlock()
		got[name] = fileSHA256(t, filepath.Join(dir, ev.GUID))
		if len(got) == len(want) {
			break
		}
	}
	for path, sum := range want {
		flat := strings.ReplaceAll(path, "/", "_")
		if got[flat] != sum {
			t.Errorf("download %s has SHA-256 %q, want %s (of %s)", flat, got[flat], sum, path)
		}
	}
}
