package e2e

import (
	"context"
	"iter"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// downloadsKey is the context key of the directory the browser downloads
// into (allowDownloads).
type downloadsKey struct{}

// allowDownloads lets the browser of ctx download into a temporary
// directory, each file under its download's GUID, with progress events.
func allowDownloads(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	dir := t.TempDir()
	yes := true
	_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:      browser.SetDownloadBehaviorBehaviorAllowAndName,
		DownloadPath:  dir,
		EventsEnabled: &yes,
	})
	if err != nil {
		t.Fatalf("allowing downloads: %v", err)
	}
	return context.WithValue(ctx, downloadsKey{}, dir)
}

// receiveInPage clicks Receive, waits for the offer, and clicks "Save to
// disk…" (the page's Service Worker then downloads the file as it arrives).
func receiveInPage(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("receive"))); err != nil {
		t.Fatalf("clicking Receive: %v", err)
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`!document.getElementById('accept-box').hidden || !document.getElementById('error').hidden`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for the offer: %v", err)
	}
	offered, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('accept-box').hidden`))
	if err != nil || !offered {
		return // the page failed: waitPage reports it
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("save"))); err != nil {
		t.Fatalf("clicking Save to disk: %v", err)
	}
}

// waitDownload waits for the browser's download to complete, from the
// events of progress (subscribed before it started), and returns its file.
func waitDownload(t *testing.T, ctx context.Context, progress iter.Seq2[browser.EventDownloadProgress, error]) string {
	t.Helper()
	dir, _ := ctx.Value(downloadsKey{}).(string)
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return filepath.Join(dir, ev.GUID) // AllowAndName: saved under its GUID
		case browser.DownloadProgressStateCanceled:
			t.Fatal("the download was cancelled")
		}
	}
	t.Fatal("no download completed")
	return ""
}

// sendWithCode runs `ferry send --json` of paths under code through server
// and waits until it holds the code.
func sendWithCode(t *testing.T, server, code string, paths ...string) *proc {
	t.Helper()
	sender := start(t, nil, nil, bin.ferry, append([]string{"send", "--server", server, "--code", code, "--json"}, paths...)...)
	sender.waitEvent("code", 30*time.Second)
	return sender
}
