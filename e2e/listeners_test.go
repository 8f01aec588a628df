package e2e

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue 11, items 1 and 10: every listener (ferry-rendezvous's public one
// and the embedded server of ferry send) cuts quiet HTTP connections and
// caps the connections of one address, and /metrics is on neither.

// quietWithin bounds how long the default --http-timeout and
// --http-idle-timeout (30 s each) may take to cut a quiet connection.
const quietWithin = 45 * time.Second

// tcpFrom opens a TCP connection to addr from the loopback address src,
// wrapped in TLS (without checking the certificate) when useTLS is set.
func tcpFrom(t *testing.T, src, addr string, useTLS bool) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, src, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if useTLS {
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test only needs the bytes through
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			t.Fatalf("TLS handshake with %s: %v", addr, err)
		}
		_ = tc.SetDeadline(time.Time{})
		return tc
	}
	return c
}

// askHealthz sends GET /healthz on c (kept alive) and returns the status, or
// an error when the server closed c without an answer.
func askHealthz(c net.Conn) (int, error) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: ferry\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// openQuiet opens, from src, keepAlive connections that each make one
// request and go quiet, and noBody ones that announce a 1000-byte body and
// send none.
func openQuiet(t *testing.T, src, addr string, useTLS bool, keepAlive, noBody int) []net.Conn {
	t.Helper()
	var conns []net.Conn
	for i := range keepAlive {
		c := tcpFrom(t, src, addr, useTLS)
		if code, err := askHealthz(c); code != http.StatusOK {
			t.Fatalf("keep-alive connection %d: /healthz %d, %v", i+1, code, err)
		}
		conns = append(conns, c)
	}
	for range noBody {
		c := tcpFrom(t, src, addr, useTLS)
		if _, err := io.WriteString(c, "POST /healthz HTTP/1.1\r\nHost: ferry\r\nContent-Length: 1000\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	return conns
}

// allCutWithin waits for the server to close every one of conns, and fails
// the test with the number still open after limit.
func allCutWithin(t *testing.T, conns []net.Conn, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(deadline)
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				mu.Lock()
				open++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if open > 0 {
		t.Errorf("%d of %d quiet connections still open after %s", open, len(conns), limit)
	}
}

// TestQuietHTTPConnectionsCut: against ferry-rendezvous with its defaults,
// 50 kept-alive connections that went quiet after one request and 10 that
// announced a body and sent none are all cut, plain and with TLS.
func TestQuietHTTPConnectionsCut(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "tls"}[useTLS], func(t *testing.T) {
			t.Parallel()
			var args []string
			if useTLS {
				certFile, keyFile := selfSigned(t, t.TempDir())
				args = []string{"--tls-cert", certFile, "--tls-key", keyFile}
			}
			srv := startRendezvousLogged(t, args...)
			src := "127.0.5.1"
			if useTLS {
				src = "127.0.5.2"
			}
			start := time.Now()
			conns := openQuiet(t, src, srv.addr, useTLS, 50, 10)
			allCutWithin(t, conns, quietWithin)
			if !t.Failed() {
				t.Logf("60 quiet connections cut within %s", time.Since(start).Round(time.Second))
			}
		})
	}
}

// TestConnsPerAddressRefused: one address cannot hold more than the default
// --tcp-conns-per-ip (64) connections: the next is closed unanswered and
// counted, while a client from another address gets /healthz and a real
// ferry send and receive pair.
func TestConnsPerAddressRefused(t *testing.T) {
	t.Parallel()
	srv := startRendezvousLogged(t, "--metrics-listen", "127.0.0.1:0")
	maddr := srv.waitLog(t, regexp.MustCompile(`msg="metrics listening" addr=\S+`))
	maddr = regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(maddr)[1]
	attacker := "127.0.6.1"
	openQuiet(t, attacker, srv.addr, false, 64, 0)
	for i := range 5 {
		c := tcpFrom(t, attacker, srv.addr, false)
		if code, err := askHealthz(c); err == nil {
			t.Fatalf("connection %d over the cap from one address got /healthz %d; want it closed unanswered", 65+i, code)
		}
	}
	if code, err := askHealthz(tcpFrom(t, "127.0.0.1", srv.addr, false)); code != http.StatusOK {
		t.Fatalf("another address: /healthz %d, %v", code, err)
	}
	metrics := getBody(t, "http://"+maddr+"/metrics")
	for _, want := range []string{
		`ferry_rendezvous_tcp_connections_refused_total{listener="public",reason="per_ip"} 5`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	srv.waitLog(t, regexp.MustCompile(`refused TCP connection.*--tcp-conns-per-ip`))

	src, out := t.TempDir(), t.TempDir()
	path, sum := randomFile(t, src, "past-the-attacker.bin", 1<<20)
	sender := start(t, nil, nil, bin.ferry, "send", "--server", srv.url, "--code", "9-busy-port", "--json", path)
	sender.waitEvent("code", 30*time.Second)
	receiver := start(t, nil, nil, bin.ferry, "receive", "--server", srv.url, "--yes", "--out", out, "--json", "9-busy-port")
	rc, _ := receiver.wait(transferTimeout)
	sc, _ := sender.wait(transferTimeout)
	if rc != 0 || sc != 0 {
		t.Fatalf("exit codes: receiver %d, sender %d\nreceiver stderr:\n%s\nsender stderr:\n%s", rc, sc, receiver.stderr, sender.stderr)
	}
	if got := fileSHA256(t, filepath.Join(out, "past-the-attacker.bin")); got != sum {
		t.Fatalf("received sha256 %s, want %s", got, sum)
	}
}

// TestMetricsNotOnPublicListener: by default ferry-rendezvous has no
// /metrics on --listen.
func TestMetricsNotOnPublicListener(t *testing.T) {
	t.Parallel()
	srv := startRendezvousLogged(t)
	if code := getStatus(t, "http://"+srv.addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on --listen = %d, want 404", code)
	}
}

// TestEmbeddedServerLimits: the embedded server of ferry send serves no
// /metrics, cuts quiet connections and caps one address, as
// ferry-rendezvous does.
func TestEmbeddedServerLimits(t *testing.T) {
	t.Parallel()
	file, _ := randomFile(t, t.TempDir(), "waiting.bin", 1024)
	sender := start(t, nil, nil, bin.ferry, "send", "--json", file)
	u, err := url.Parse(sender.waitEvent("code", 30*time.Second).str("server"))
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", u.Port())
	if code := getStatus(t, "http://"+addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the embedded server = %d, want 404", code)
	}
	conns := openQuiet(t, "127.0.7.1", addr, false, 20, 5)
	over := openQuiet(t, "127.0.7.2", addr, false, 64, 0)
	if code, err := askHealthz(tcpFrom(t, "127.0.7.2", addr, false)); err == nil {
		t.Errorf("connection 65 from one address to the embedded server got /healthz %d; want it closed", code)
	}
	allCutWithin(t, append(conns, over...), quietWithin)
}

// TestConnsBoundByFileLimit: with a low open-file limit, connections past
// what the files allow (from many addresses, each under the per-address
// cap) are refused at accept, counted, and the server keeps its files: the
// metrics listener answers throughout, and /healthz once they are gone.
// (Before, the process ran out of files and accepted nothing at all.)
func TestConnsBoundByFileLimit(t *testing.T) {
	t.Parallel()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		missing(t, "needs prlimit (util-linux)")
	}
	cmd := exec.Command(prlimit, "--nofile=200:200", bin.rendezvous, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	listenRE := regexp.MustCompile(`msg=listening addr=(\S+)(?:.* max_tcp_conns=(\d+))?`)
	metricsRE := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)
	found := make(chan []string, 2)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			for _, re := range []*regexp.Regexp{listenRE, metricsRE} {
				if m := re.FindStringSubmatch(sc.Text()); m != nil {
					found <- m
				}
			}
		}
	}()
	var addr, maddr, maxConns string
	for addr == "" || maddr == "" {
		select {
		case m := <-found:
			if len(m) == 3 {
				addr, maxConns = m[1], m[2]
			} else {
				maddr = m[1]
			}
		case <-time.After(20 * time.Second):
			t.Fatal("ferry-rendezvous did not log its addresses")
		}
	}
	// 200 files less 64, an eighth and the metrics listener's 64.
	if maxConns != "47" {
		t.Errorf("max_tcp_conns=%s with 200 files, want 47", maxConns)
	}
	var conns []net.Conn
	for i := range 250 {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 8, byte(1+i/10))}, Timeout: 10 * time.Second}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i+1, err)
		}
		conns = append(conns, c)
	}
	// The metrics listener answers while the public one is full.
	refused := `ferry_rendezvous_tcp_connections_refused_total{listener="public",reason="total"} 203` + "\n"
	deadline := time.Now().Add(10 * time.Second)
	for metrics := ""; !strings.Contains(metrics, refused); metrics = getBody(t, "http://"+maddr+"/metrics") {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %s:\n%s", refused, metrics)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			code, err := askHealthz(c)
			_ = c.Close()
			if code == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the connections closed: /healthz %d, %v", code, err)
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getStatus(t *testing.T, u string) int {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func getBody(t *testing.T, u string) string {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, fmt.Sprint(resp.StatusCode))
	}
	return string(b)
}
