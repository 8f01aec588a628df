package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserTimeout bounds one browser test's page work (loading the wasm,
// the transfer, the download).
const browserTimeout = 2 * time.Minute

// newBrowser starts headless Chromium for the test, with a narrow window
// (a phone's), and logs the page's console. Chromium hides host candidates
// behind mDNS names by default and leaves out loopback ones: the flags
// below make it offer 127.0.0.1 (and its other host addresses) as the CLI
// does, so that the peers connect directly on this machine.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		missing(t, "no Chromium on this machine (apt-get install -y chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.NoSandbox, // the tests may run as root
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value))
			}
			t.Logf("browser console %s: %s", ev.Type, strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			t.Logf("browser exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception)
		}
	}))
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	prepareTab(t, ctx)
	return allowDownloads(t, ctx)
}

// prepareTab sets up a tab of the browser of newBrowser: every page of it
// notes what its Content-Security-Policy blocked (waitPage checks that
// nothing was), and has neither showSaveFilePicker nor showDirectoryPicker:
// a headless browser cannot answer their dialogs, so the page saves through
// its Service Worker, as in a
// browser without the File System Access API (Firefox, Safari).
func prepareTab(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
			(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
			Object.defineProperty(window, 'showSaveFilePicker', {value: undefined, configurable: true});
			Object.defineProperty(window, 'showDirectoryPicker', {value: undefined, configurable: true});`,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pageURL is the app's address on the server whose websocket is wsURL.
func pageURL(wsURL string) string { return "http" + strings.TrimPrefix(wsURL, "ws") }

// screenshot saves the page into the test's temporary directory (and into
// $FERRY_SCREENSHOTS, when set, to look at after the test).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("FERRY_SCREENSHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Errorf("screenshot: %v", err)
		}
		t.Logf("screenshot: %s", p)
	}
}

// pageOutcome waits until the page says done or shows an error, and returns
// the state line, the error, the route and the SHA-256 shown.
type pageOutcome struct {
	state, err, kind, route, sha256 string
	path                            string // the selected candidate pair: "local ↔ remote"
}

func waitPage(t *testing.T, ctx context.Context) pageOutcome {
	t.Helper()
	limit := time.Duration(0) // until ctx's deadline, less a moment to say what the page shows
	if d, ok := ctx.Deadline(); ok {
		limit = max(time.Until(d)-5*time.Second, time.Second)
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById('state').dataset.done === '1' || !document.getElementById('error').hidden`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(limit)))
	if err != nil {
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').innerText`))
		t.Fatalf("waiting for the page to finish: %v; the page shows:\n%s", err, shown)
	}
	blocked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocked) > 0 {
		t.Errorf("the Content-Security-Policy blocked: %q", blocked)
	}
	var o pageOutcome
	for _, f := range []struct {
		dst  *string
		expr string
	}{
		{&o.state, `document.getElementById('state').textContent`},
		{&o.err, `document.getElementById('error').textContent`},
		{&o.kind, `document.getElementById('error').dataset.kind || ''`},
		{&o.route, `document.getElementById('route').dataset.route || ''`},
		{&o.path, `document.getElementById('route').title`},
		{&o.sha256, `(document.querySelector('[data-sha256]') || {dataset: {}}).dataset.sha256 || ''`},
	} {
		if *f.dst, err = chromedp.Run(ctx, chromedp.Evaluate[string](f.expr)); err != nil {
			t.Fatalf("reading the page: %s: %v", f.expr, err)
		}
	}
	return o
}

// onThisHost fails the test unless both ends of the page's connection
// ("local ↔ remote", from the selected candidate pair) are addresses of this
// machine: the transfer never left it.
func onThisHost(t *testing.T, path string) {
	t.Helper()
	t.Logf("the page's connection: %s", path)
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	local := map[string]bool{}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			local[ipn.IP.String()] = true
		}
	}
	ends := strings.Split(path, " ↔ ")
	if len(ends) != 2 {
		t.Fatalf("the page names no candidate pair: %q", path)
	}
	for _, end := range ends {
		host, _, err := net.SplitHostPort(end)
		if ip := net.ParseIP(host); err != nil || ip == nil || !local[ip.String()] {
			t.Errorf("the page's connection %s: %s is not an address of this machine", path, end)
		}
	}
}

// TestBrowserReceivesFromCLI: `ferry send` with a chosen code, the app
// opened at http://HOST:PORT/#CODE in headless Chromium, Receive clicked;
// the downloaded file is the sent one, and the page shows its SHA-256.
func TestBrowserReceivesFromCLI(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	src := t.TempDir()
	const size = 4 << 20
	path, sum := randomFile(t, src, "random.bin", size)
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	const code = "42-apple-river"
	sender := sendWithCode(t, server, code, path)

	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	openApp(t, ctx, server, code)
	prefilled, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("code")))
	if err != nil {
		t.Fatal(err)
	}
	if prefilled != code {
		t.Errorf("the code field holds %q, want %q from the URL's fragment", prefilled, code)
	}
	receiveInPage(t, ctx)
	o := waitPage(t, ctx)
	screenshot(t, ctx, "browser-receive.png")
	if o.err != "" {
		t.Fatalf("the page failed (%s): %s\nsender stderr:\n%s", o.kind, o.err, sender.stderr)
	}
	if o.sha256 != sum {
		t.Errorf("the page shows SHA-256 %q, want %s", o.sha256, sum)
	}
	if o.route != "direct" {
		t.Errorf("the page shows route %q, want direct", o.route)
	}
	onThisHost(t, o.path)

	sc, sevents := sender.wait(transferTimeout)
	if sc != 0 {
		t.Fatalf("sender exit code %d\nstderr:\n%s", sc, sender.stderr)
	}
	if fe, ok := findEvent(sevents, "file"); !ok || fe.str("sha256") != sum {
		t.Errorf("sender file event %v, want sha256 %s", fe, sum)
	}

	got := waitDownload(t, ctx, progress)
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatalf("the downloaded file: %v", err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("the downloaded file (%d bytes) differs from the sent one (%d bytes)", len(b), len(want))
	}
}

// openApp opens the app of the server whose websocket is wsURL (at
// #fragment, when not empty) and waits until its wasm is running.
func openApp(t *testing.T, ctx context.Context, wsURL, fragment string) {
	t.Helper()
	u := pageURL(wsURL) + "/"
	if fragment != "" {
		u += "#" + fragment
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
}

// sendFromPage chooses path in the page's file picker, clicks Send, and
// returns the code the page shows.
func sendFromPage(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	return chooseAndSend(t, ctx, "files", []string{path})
}

// TestBrowserSendsToCLI: a file chosen in the page, sent with the code the
// page shows to `ferry receive --yes --out DIR`.
func TestBrowserSendsToCLI(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "from-browser.bin", 4<<20)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()

	openApp(t, ctx, server, "")
	code := sendFromPage(t, ctx, path)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", code)
	rc, revents := receiver.wait(transferTimeout)
	o := waitPage(t, ctx)
	screenshot(t, ctx, "browser-send.png")
	if rc != 0 {
		t.Fatalf("receiver exit code %d (page: %s %s)\nstderr:\n%s", rc, o.state, o.err, receiver.stderr)
	}
	if o.err != "" {
		t.Fatalf("the page failed (%s): %s", o.kind, o.err)
	}
	if got := fileSHA256(t, filepath.Join(out, "from-browser.bin")); got != sum {
		t.Fatalf("received file sha256 %s, want %s", got, sum)
	}
	if o.sha256 != sum {
		t.Errorf("the page shows SHA-256 %q, want %s", o.sha256, sum)
	}
	if conn, ok := findEvent(revents, "connected"); !ok || conn.str("route") != "direct" || o.route != "direct" {
		t.Errorf("routes: receiver %v, page %q; want direct", conn, o.route)
	}
}

// TestBrowserToBrowser: one tab sends, another opens the link the first
// shows and receives.
func TestBrowserToBrowser(t *testing.T) {
	sendCtx := newBrowser(t)
	server := startRendezvous(t)
	path, sum := randomFile(t, t.TempDir(), "tab.bin", 2<<20)
	sendCtx, cancel := context.WithTimeout(sendCtx, browserTimeout)
	defer cancel()
	recvCtx, cancelTab := chromedp.NewContext(sendCtx) // a second tab of the same browser
	defer cancelTab()
	prepareTab(t, recvCtx)

	openApp(t, sendCtx, server, "")
	code := sendFromPage(t, sendCtx, path)
	link, err := chromedp.Run(sendCtx, chromedp.Evaluate[string](`document.getElementById('code-link').href`))
	if err != nil {
		t.Fatal(err)
	}
	if want := pageURL(server) + "/#" + code; link != want {
		t.Errorf("the page links %q, want %q", link, want)
	}
	openApp(t, recvCtx, server, code)
	receiveInPage(t, recvCtx)
	recv := waitPage(t, recvCtx)
	sent := waitPage(t, sendCtx)
	screenshot(t, recvCtx, "browser-to-browser-receiver.png")
	screenshot(t, sendCtx, "browser-to-browser-sender.png")
	for _, o := range []pageOutcome{sent, recv} {
		if o.err != "" {
			t.Fatalf("a page failed (%s): %s", o.kind, o.err)
		}
		if o.sha256 != sum || o.route != "direct" {
			t.Errorf("a page shows SHA-256 %q over %q, want %s over direct", o.sha256, o.route, sum)
		}
	}
}

// TestBrowserReceivesFromEmbeddedServer: `ferry send` without --server
// serves the app too, and its code event names the page (web_url) that a
// phone on the same network opens to receive, where the page holds the file
// in memory (no secure context) and saves it with a Save link.
func TestBrowserReceivesFromEmbeddedServer(t *testing.T) {
	ctx := newBrowser(t)
	path, sum := randomFile(t, t.TempDir(), "embedded.bin", 1<<20)
	sender := start(t, []string{"FERRY_SERVER=", "FERRY_CODE="}, nil, bin.ferry, "send", "--advertise", "127.0.0.1", "--json", path)
	ev := sender.waitEvent("code", 30*time.Second)
	pageAt := ev.str("web_url")
	if want := pageURL(ev.str("server")) + "/#" + ev.str("code"); pageAt != want {
		t.Fatalf("code event web_url %q, want %q", pageAt, want)
	}
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	// On a phone, http://LAN-ADDRESS is no secure context: no Service
	// Worker, no file picker, so the page keeps the file in memory and
	// offers a Save link. This address is loopback (secure): say it is not.
	pretendInsecure(t, ctx)
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	err := chromedp.Do(ctx, chromedp.Navigate(pageAt), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)))
	if err != nil {
		t.Fatalf("opening %s: %v", pageAt, err)
	}
	receiveInPage(t, ctx)
	o := waitPage(t, ctx)
	if o.err != "" {
		t.Fatalf("the page failed (%s): %s\nsender stderr:\n%s", o.kind, o.err, sender.stderr)
	}
	if o.sha256 != sum {
		t.Errorf("the page shows SHA-256 %q, want %s", o.sha256, sum)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.save"))); err != nil {
		t.Fatalf("clicking Save: %v", err)
	}
	if got := fileSHA256(t, waitDownload(t, ctx, progress)); got != sum {
		t.Errorf("the saved file has SHA-256 %s, want %s", got, sum)
	}
	if sc, _ := sender.wait(transferTimeout); sc != 0 {
		t.Fatalf("sender exit code %d\nstderr:\n%s", sc, sender.stderr)
	}
}

// TestBrowserDeclinesSeveralFiles: the page takes several files now, but
// asks first; Decline on an offer of two declines it, both sides say so,
// and the sender exits 5 with nothing sent.
func TestBrowserDeclinesSeveralFiles(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	dir := t.TempDir()
	a, _ := randomFile(t, dir, "a.bin", 1024)
	b, _ := randomFile(t, dir, "b.bin", 1024)
	const code = "43-apple-river"
	sender := sendWithCode(t, server, code, a, b)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	openApp(t, ctx, server, code)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("receive"))); err != nil {
		t.Fatal(err)
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById('accept-box').hidden`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for the offer: %v", err)
	}
	asked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('state').textContent`))
	if err != nil || asked != "Accept these 2 files?" {
		t.Errorf("the page asks %q (%v), want %q", asked, err, "Accept these 2 files?")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("decline"))); err != nil {
		t.Fatal(err)
	}
	o := waitPage(t, ctx)
	if o.kind != "declined" || !strings.Contains(o.err, "you declined 2 files") {
		t.Errorf("the page shows %q (%s), want the decline", o.err, o.kind)
	}
	sc, _ := sender.wait(transferTimeout)
	if sc != 5 {
		t.Errorf("sender exit code %d, want 5 (declined)\nstderr:\n%s", sc, sender.stderr)
	}
	if !strings.Contains(sender.stderr.String(), "the receiver declined") {
		t.Errorf("the sender is not told:\n%s", sender.stderr)
	}
}

// TestRendezvousServesApp: ferry-rendezvous serves the page at / beside
// /healthz, and --no-web-app leaves it out.
func TestRendezvousServesApp(t *testing.T) {
	t.Parallel()
	on := pageURL(startRendezvous(t))
	off := pageURL(startRendezvous(t, "--no-web-app"))
	for _, c := range []struct {
		url  string
		want int
	}{
		{on + "/", http.StatusOK},
		{on + "/ferry.wasm", http.StatusOK},
		{on + "/healthz", http.StatusOK},
		{off + "/", http.StatusNotFound},
		{off + "/ferry.wasm", http.StatusNotFound},
		{off + "/healthz", http.StatusOK},
	} {
		if got := getStatus(t, c.url); got != c.want {
			t.Errorf("GET %s = %d, want %d", c.url, got, c.want)
		}
	}
	if body := getBody(t, on+"/"); !strings.Contains(body, `<script src="app.js" defer>`) {
		t.Errorf("GET / is not the app:\n%.300s", body)
	}
}

// TestBrowserWrongCode: the page with a wrong code fails as the command
// does (the code is spent), and so does the sender (exit 3).
func TestBrowserWrongCode(t *testing.T) {
	ctx := newBrowser(t)
	server := startRendezvous(t)
	path, _ := randomFile(t, t.TempDir(), "secret.bin", 1024)
	sender := start(t, nil, nil, bin.ferry, "send", "--server", server, "--code", "44-apple-river", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	openApp(t, ctx, server, "44-apple-rover")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("receive"))); err != nil {
		t.Fatal(err)
	}
	o := waitPage(t, ctx)
	if o.kind != "wrong_code" || !strings.HasPrefix(o.err, "ferry: ") {
		t.Errorf("the page shows %q (%s), want the command's wrong-code error", o.err, o.kind)
	}
	t.Logf("the page shows: %s", o.err)
	if sc, _ := sender.wait(transferTimeout); sc != 3 {
		t.Errorf("sender exit code %d, want 3\nstderr:\n%s", sc, sender.stderr)
	}
}
