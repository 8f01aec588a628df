// Package web is ferry's browser app: a page that receives from `ferry
// send`, sends to `ferry receive`, and sends browser to browser, with the
// same protocols as the command (the ferry package compiled to WebAssembly,
// see ./wasm). Handler serves it; ferry-rendezvous and the server inside
// `ferry send` mount it at "/", beside the rendezvous websocket the page
// talks to.
//
// The page uses no third-party code or assets, and runs under a strict
// Content-Security-Policy: scripts from its own origin and WebAssembly, and
// connections only to its own origin (the websocket).
package web

//go:generate go run ./internal/genwasm

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

//go:embed index.html app.js sink.js sw.js app.css wasm_exec.js ferry.wasm.gz
var files embed.FS

// csp is the Content-Security-Policy of every response: nothing from other
// origins, no inline script or style, WebAssembly compilation allowed
// ('wasm-unsafe-eval'), websockets and fetches to this origin only. 'self'
// covers the origin's websocket in CSP level 3 browsers; older ones (Safari
// before 15.4) need it named, hence ws:// and wss:// with the request's host
// when it is a plain host[:port]. The page's Service Worker (sw.js) and the
// hidden frame that starts a streamed download (dl/ID, answered by the
// worker) are same-origin: worker-src and frame-src 'self'.
func csp(host string) string {
	connect := "'self'"
	if plainHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src " + connect + "; " +
		"style-src 'self'; img-src 'self' data:; worker-src 'self'; frame-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// plainHost reports whether h is a host name, an IPv4 address or a
// bracketed IPv6 address, with an optional port: nothing that could end or
// extend a CSP directive.
func plainHost(h string) bool {
	if h == "" || len(h) > 300 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '-' || c == ':' || c == '[' || c == ']':
		default:
			return false
		}
	}
	return true
}

// asset is one file the handler serves.
type asset struct {
	body []byte // as stored; gzip-compressed when gz
	gz   bool
	typ  string
	etag string

	rawOnce sync.Once
	raw     []byte // body decompressed, for a client without gzip
	rawErr  error
}

var assets = map[string]*asset{
	"/":             {typ: "text/html; charset=utf-8"},
	"/app.js":       {typ: "text/javascript; charset=utf-8"},
	"/sink.js":      {typ: "text/javascript; charset=utf-8"},
	"/sw.js":        {typ: "text/javascript; charset=utf-8"},
	"/app.css":      {typ: "text/css; charset=utf-8"},
	"/wasm_exec.js": {typ: "text/javascript; charset=utf-8"},
	"/ferry.wasm":   {typ: "application/wasm", gz: true},
}

// load reads the embedded files once, on the first request.
var load = sync.OnceValue(func() error {
	for p, a := range assets {
		name := strings.TrimPrefix(p, "/")
		switch {
		case p == "/":
			name = "index.html"
		case a.gz:
			name += ".gz"
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return fmt.Errorf("web: embedded %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		a.body, a.etag = b, `"`+hex.EncodeToString(sum[:12])+`"`
	}
	return nil
})

// With serves the app's paths and passes every other request to next (the
// rendezvous server, its /healthz and /metrics).
func With(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := assets[r.URL.Path]; ok {
			serve(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Handler serves the app: the page at "/" and its files. Other paths are
// not found, so that it can sit under the rendezvous server's own routes.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp(r.Host))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if err := load(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	a, ok := assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.Set("Content-Type", a.typ)
	h.Set("Cache-Control", "no-cache") // revalidate: the ETag changes with each build
	h.Set("ETag", a.etag)
	if a.gz {
		h.Add("Vary", "Accept-Encoding")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	switch {
	case a.gz && acceptsGzip(r):
		h.Set("Content-Encoding", "gzip")
	case a.gz:
		raw, err := a.decompressed()
		if err != nil {
			http.Error(w, "web: "+err.Error(), http.StatusInternalServerError)
			return
		}
		body = raw
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body) //nolint:errcheck // the client went away
}

func (a *asset) decompressed() ([]byte, error) {
	a.rawOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(a.body))
		if err != nil {
			a.rawErr = err
			return
		}
		a.raw, a.rawErr = io.ReadAll(zr)
	})
	return a.raw, a.rawErr
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") || strings.TrimSpace(coding) == "*" {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
