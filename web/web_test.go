package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func get(t *testing.T, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, req)
	return w.Result()
}

func TestHandlerHeaders(t *testing.T) {
	for path, typ := range map[string]string{
		"/":             "text/html; charset=utf-8",
		"/app.js":       "text/javascript; charset=utf-8",
		"/app.css":      "text/css; charset=utf-8",
		"/wasm_exec.js": "text/javascript; charset=utf-8",
		"/ferry.wasm":   "application/wasm",
	} {
		resp := get(t, path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, resp.Status)
		}
		if got := resp.Header.Get("Content-Type"); got != typ {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, typ)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != csp("example.com") ||
			!strings.Contains(got, "connect-src 'self' ws://example.com wss://example.com;") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, got)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", path, got)
		}
	}
	if resp := get(t, "/nope", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope: %s, want 404", resp.Status)
	}
}

func TestWasmGzip(t *testing.T) {
	gz := get(t, "/ferry.wasm", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("with Accept-Encoding gzip: Content-Encoding %q", gz.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	raw := get(t, "/ferry.wasm", nil)
	if raw.Header.Get("Content-Encoding") != "" {
		t.Fatalf("without Accept-Encoding: Content-Encoding %q", raw.Header.Get("Content-Encoding"))
	}
	body, _ := io.ReadAll(raw.Body)
	if !bytes.Equal(body, unzipped) || !bytes.HasPrefix(body, []byte("\x00asm")) {
		t.Fatalf("the raw wasm (%d bytes) is not the gzipped one unzipped (%d bytes)", len(body), len(unzipped))
	}
	if got := get(t, "/ferry.wasm", map[string]string{"Accept-Encoding": "gzip;q=0"}); got.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
	etag := raw.Header.Get("ETag")
	if nm := get(t, "/ferry.wasm", map[string]string{"If-None-Match": etag}); nm.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %s, want 304", etag, nm.Status)
	}
}

// TestGeneratedUpToDate rebuilds the wasm binary and wasm_exec.js and
// compares them with the committed ones.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm binary")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed to rebuild the wasm binary")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/genwasm", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/genwasm: %v\n%s", err, out)
	}
	for _, name := range []string{"ferry.wasm.gz", "wasm_exec.js"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("web/%s is not what the sources build (%d bytes committed, %d built): run `go generate ./web` and commit the result", name, len(got), len(want))
		}
	}
}

func TestCSPHost(t *testing.T) {
	for host, want := range map[string]string{
		"example.com:7339":   "connect-src 'self' ws://example.com:7339 wss://example.com:7339;",
		"[::1]:80":           "connect-src 'self' ws://[::1]:80 wss://[::1]:80;",
		"evil; script-src *": "connect-src 'self';",
		"":                   "connect-src 'self';",
	} {
		if got := csp(host); !strings.Contains(got, want) {
			t.Errorf("csp(%q) = %q, want %q in it", host, got, want)
		}
	}
}

func TestNoThirdPartyAssets(t *testing.T) {
	for _, name := range []string{"index.html", "app.js", "sink.js", "sw.js", "app.css"} {
		b, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"http://", "https://", "<style", "style=", "onclick", "eval("} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %q: the page loads nothing from elsewhere and has no inline code or style", name, bad)
			}
		}
	}
}

func TestWithPassesOtherPaths(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("next " + r.URL.Path)) })
	h := With(next)
	for path, want := range map[string]string{"/healthz": "next /healthz", "/v1/ws": "next /v1/ws", "/metrics": "next /metrics"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Body.String() != want {
			t.Errorf("GET %s = %q, want %q", path, w.Body.String(), want)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("GET / through With: Content-Type %q", w.Header().Get("Content-Type"))
	}
}

// TestWasmDeps keeps the browser client lean: no rendezvous server, no
// local-network discovery, no command line (package ferry leaves them out
// under GOOS=js).
func TestWasmDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./wasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{
			"github.com/ferry-dev/ferry/rendezvous/rendezvousserver",
			"github.com/ferry-dev/ferry/internal/cli",
			"github.com/hashicorp/mdns",
			"github.com/spf13/",
			"github.com/prometheus/",
		} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("the wasm client links %s", dep)
			}
		}
	}
}
