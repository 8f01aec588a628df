package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// startNginx runs nginx with the shipped deploy/nginx.conf, its ports, names
// and certificate swapped for the test's, in front of upstream (host:port).
// It returns the https address.
func startNginx(t *testing.T, upstream, certFile, keyFile string) string {
	t.Helper()
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		missing(t, "nginx is not installed: apt-get install nginx-light to run this test")
	}
	shipped, err := os.ReadFile("../deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	httpsPort, httpPort := freePort(t), freePort(t)
	conf := string(shipped)
	for _, r := range []struct{ old, new string }{
		{"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", httpPort)},
		{"listen [::]:80;", ""},
		{"listen 443 ssl;", fmt.Sprintf("listen 127.0.0.1:%d ssl;", httpsPort)},
		{"listen [::]:443 ssl;", ""},
		{"/etc/letsencrypt/live/ferry.example.org/fullchain.pem", certFile},
		{"/etc/letsencrypt/live/ferry.example.org/privkey.pem", keyFile},
		{"proxy_pass http://127.0.0.1:7339;", "proxy_pass http://" + upstream + ";"},
	} {
		if !strings.Contains(conf, r.old) {
			t.Fatalf("deploy/nginx.conf no longer has %q: update this test", r.old)
		}
		conf = strings.ReplaceAll(conf, r.old, r.new)
	}
	site := filepath.Join(dir, "ferry.conf")
	main := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(site, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	mainConf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 1024; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[2]s;
}
`, dir, site)
	if err := os.WriteFile(main, []byte(mainConf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nginx, "-t", "-p", dir, "-c", main).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", main)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	addr := fmt.Sprintf("127.0.0.1:%d", httpsPort)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		select {
		case <-done:
			logs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s\n%s", &out, logs)
		case <-time.After(50 * time.Millisecond): // no event to wait on: poll the port
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx did not listen within 20s")
		}
	}
}

// TestBehindNginx runs the shipped reverse-proxy example: ferry send and
// receive pair through nginx over wss://, ferry-rendezvous counts the client
// address nginx puts in X-Forwarded-For (because nginx is a --trusted-proxy),
// a forged X-Forwarded-For from the client is not believed, and /metrics is
// not served to the outside.
func TestBehindNginx(t *testing.T) {
	certFile, keyFile := selfSigned(t, t.TempDir())
	rdv := startRendezvousLogged(t, "--trusted-proxy", "127.0.0.1")
	front := startNginx(t, rdv.addr, certFile, keyFile)
	server := "wss://" + front

	// A client from 127.0.0.7 that claims to be 203.0.113.9.
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 7)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, TLSClientConfig: &tls.Config{RootCAs: roots}}}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	c, err := rendezvousclient.DialWith(ctx, server, rendezvousclient.DialOptions{HTTPClient: hc, Header: http.Header{"X-Forwarded-For": {"203.0.113.9"}}})
	if err != nil {
		t.Fatalf("dial through nginx: %v", err)
	}
	slot, err := c.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	line := rdv.waitLog(t, regexp.MustCompile(`msg="slot allocated" slot=`+slot+` `))
	if !strings.HasSuffix(line, " ip=127.0.0.7") {
		t.Errorf("the server counted %q, want ip=127.0.0.7: the address nginx saw, not nginx's, not the forged one", line)
	}

	resp, err := hc.Get("https://" + front + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics through nginx = %s, want 404", resp.Status)
	}

	trust := []string{"SSL_CERT_FILE=" + certFile}
	path, sum := randomFile(t, t.TempDir(), "via-nginx.bin", 1<<20)
	out := t.TempDir()
	sender := start(t, trust, nil, bin.ferry, "send", "--server", server, "--code", "9-via-nginx", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, trust, nil, bin.ferry, "receive", "--server", server, "--yes", "--out", out, "--json", "9-via-nginx")
	rc, _ := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "via-nginx.bin")); got != sum {
		t.Fatalf("received sha256 %s, want %s", got, sum)
	}
}
