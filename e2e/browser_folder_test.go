package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// useFolderPicker makes the page's folder picker (showDirectoryPicker)
// answer, without a dialog, with the origin's private file system (OPFS):
// the same FileSystemDirectoryHandle API as a folder the user picks, so the
// page takes its folder path ("Save to disk…" writes the tree under it)
// where a headless browser could not answer the real dialog. Call it after
// prepareTab, which removes the picker.
func useFolderPicker(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `Object.defineProperty(window, 'showDirectoryPicker',
			{value: async () => navigator.storage.getDirectory(), configurable: true});`,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// folderFiles lists the "picked folder" (OPFS) of the page's origin: every
// file's path and size, and every directory's path with a trailing slash
// (size -1).
func folderFiles(t *testing.T, ctx context.Context) map[string]int64 {
	t.Helper()
	files, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int64](`(async () => {
		const out = {};
		const walk = async (dir, prefix) => {
			for await (const [name, h] of dir.entries()) {
				if (h.kind === 'directory') {
					out[prefix + name + '/'] = -1;
					await walk(h, prefix + name + '/');
				} else {
					out[prefix + name] = (await h.getFile()).size;
				}
			}
		};
		await walk(await navigator.storage.getDirectory(), '');
		return out;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("listing the page's folder: %v", err)
	}
	return files
}

// folderFile reads, or with text != "" first writes, the file at path of the
// page's "picked folder" (OPFS).
func folderFile(t *testing.T, ctx context.Context, path, text string) string {
	t.Helper()
	args, err := json.Marshal([]string{path, text})
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async ([path, text]) => {
		const parts = path.split('/');
		let dir = await navigator.storage.getDirectory();
		for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, {create: text !== ''});
		const h = await dir.getFileHandle(parts[parts.length - 1], {create: text !== ''});
		if (text !== '') {
			const w = await h.createWritable();
			await w.write(text);
			await w.close();
		}
		return (await h.getFile()).text();
	})(`+string(args)+`)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the page's folder: %s: %v", path, err)
	}
	return got
}

// TestBrowserFolderKeepsExisting: a tree received into a folder that
// already holds one of its files fails before anything is written, as
// `ferry receive` without --overwrite does: the file there keeps its bytes,
// no other file of the tree is written, the page says which file is in the
// way, and the sender hears so (exit 5).
func TestBrowserFolderKeepsExisting(t *testing.T) {
	ctx := newBrowser(t)
	useFolderPicker(t, ctx)
	server := startRendezvous(t)
	root := treeDir(t)
	for _, name := range []string{"a.bin", "b.bin", "c.bin"} {
		randomFile(t, root, name, 64<<10)
	}
	const code = "49-apple-river"
	sender := sendWithCode(t, server, code, root)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	openApp(t, ctx, server, code)
	folderFile(t, ctx, "tree/b.bin", "mine")

	receiveInPage(t, ctx)
	o := waitPage(t, ctx)
	t.Logf("the page shows %q (%s)", o.err, o.kind)
	if o.kind != "exists" || !strings.Contains(o.err, `tree/b.bin`) {
		t.Errorf("the page shows %q (%s), want that tree/b.bin exists (exists)", o.err, o.kind)
	}
	if got := folderFile(t, ctx, "tree/b.bin", ""); got != "mine" {
		t.Errorf("tree/b.bin in the folder now holds %d bytes, want its own 4", len(got))
	}
	if got := folderFiles(t, ctx); len(got) != 2 || got["tree/"] != -1 || got["tree/b.bin"] != 4 {
		t.Errorf("the folder holds %v, want only tree/b.bin as it was", got)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 5 {
		t.Errorf("sender exit code %d, want 5 (would overwrite)\nstderr:\n%s", sc, sender.stderr)
	}
}

// TestBrowserFolderSenderLeaves: the sender stops (Ctrl-C) in the middle of
// a tree's second file: the page fails, the first file (verified) is in the
// folder whole, and nothing of the second is left there, not even an empty
// file under its name (which would also block receiving it again).
func TestBrowserFolderSenderLeaves(t *testing.T) {
	ctx := newBrowser(t)
	useFolderPicker(t, ctx)
	server := startRendezvous(t)
	root := treeDir(t)
	const first = 256 << 10
	randomFile(t, root, "a.bin", first)
	randomFile(t, root, "big.bin", 64<<20)
	const code = "50-apple-river"
	sender := sendWithCode(t, server, code, root)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	openApp(t, ctx, server, code)
	receiveInPage(t, ctx)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById('bar').value > `+strconv.Itoa(first+(2<<20))+` || !document.getElementById('error').hidden`,
		chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for big.bin to be under way: %v", err)
	}
	if err := sender.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	o := waitPage(t, ctx)
	t.Logf("the page shows %q (%s)", o.err, o.kind)
	if o.err == "" {
		t.Fatalf("the page shows no error (state %q)", o.state)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('results').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(shown, "big.bin") {
		t.Errorf("the page lists big.bin as received: %q", shown)
	}
	if got := folderFiles(t, ctx); len(got) != 2 || got["tree/"] != -1 || got["tree/a.bin"] != first {
		t.Errorf("the folder holds %v, want tree/a.bin (%d bytes) only", got, first)
	}
	sender.wait(transferTimeout)
}

// TestBrowserFolderStorageRefused: the browser refuses to store more (the
// origin's quota, lowered to 2 MiB, stands for a full disk) in the middle of
// a file: the page fails as the command does on a full disk (no_space), and
// leaves nothing of the file in the folder.
func TestBrowserFolderStorageRefused(t *testing.T) {
	ctx := newBrowser(t)
	useFolderPicker(t, ctx)
	server := startRendezvous(t)
	root := treeDir(t)
	randomFile(t, root, "a.bin", 8<<20)
	randomFile(t, root, "b.bin", 1024)
	const code = "54-apple-river"
	sender := sendWithCode(t, server, code, root)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	quota := float64(2 << 20)
	_, err := chromedp.Call(ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{
		Origin: pageURL(server), QuotaSize: &quota})
	if err != nil {
		t.Fatal(err)
	}
	openApp(t, ctx, server, code)
	receiveInPage(t, ctx)
	o := waitPage(t, ctx)
	t.Logf("the page shows %q (%s)", o.err, o.kind)
	if o.kind != "no_space" || o.sha256 != "" {
		t.Errorf("the page shows %q (%s), SHA-256 %q; want no_space and none", o.err, o.kind, o.sha256)
	}
	if got := folderFiles(t, ctx); len(got) != 1 || got["tree/"] != -1 {
		t.Errorf("the folder holds %v, want nothing of the tree's files", got)
	}
	if sc, _ := sender.wait(transferTimeout); sc == 0 {
		t.Errorf("the sender exited 0\nstderr:\n%s", sender.stderr)
	}
}

// treeDir makes an empty folder named tree to send.
func treeDir(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "tree")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}
