package servercmd_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/spf13/pflag"

	"github.com/ferry-dev/ferry/internal/servercmd"
	"github.com/ferry-dev/ferry/internal/testcert"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// parse runs the command's flag handling (environment included) and returns
// the options it would run with.
func parse(t *testing.T, args ...string) (*servercmd.Options, error) {
	t.Helper()
	var got *servercmd.Options
	cmd := servercmd.NewCmd(io.Discard, io.Discard, func(_ context.Context, o *servercmd.Options) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	return got, cmd.Execute()
}

func TestEnvironmentSetsFlags(t *testing.T) {
	t.Setenv("FERRY_RENDEZVOUS_LISTEN", "127.0.0.1:1")
	t.Setenv("FERRY_RENDEZVOUS_MAX_SLOTS", "77")
	t.Setenv("FERRY_RENDEZVOUS_SLOT_LIFETIME", "5m")
	t.Setenv("FERRY_RENDEZVOUS_TRUSTED_PROXY", "10.0.0.0/8, 127.0.0.1")
	t.Setenv("FERRY_RENDEZVOUS_METRICS_LISTEN", "127.0.0.1:9339")
	t.Setenv("FERRY_RENDEZVOUS_TCP_CONNS_PER_IP", "5")
	t.Setenv("FERRY_RENDEZVOUS_HTTP_IDLE_TIMEOUT", "7s")
	o, err := parse(t, "--listen", "127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	if o.Listen != "127.0.0.1:2" {
		t.Errorf("listen = %s: the command line must win over FERRY_RENDEZVOUS_LISTEN", o.Listen)
	}
	if o.Config.MaxSlots != 77 || o.Config.SlotLifetime != 5*time.Minute || o.MetricsListen != "127.0.0.1:9339" {
		t.Errorf("options from the environment: max slots %d, slot lifetime %s, metrics %q",
			o.Config.MaxSlots, o.Config.SlotLifetime, o.MetricsListen)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	if len(o.Config.TrustedProxies) != 2 || o.Config.TrustedProxies[0] != want[0] || o.Config.TrustedProxies[1] != want[1] {
		t.Errorf("trusted proxies %v, want %v", o.Config.TrustedProxies, want)
	}
	if o.PublicMetrics {
		t.Error("/metrics is on the public listener without --metrics-public")
	}
	if o.HTTP.ConnsPerIP != 5 || o.HTTP.IdleTimeout != 7*time.Second {
		t.Errorf("HTTP limits from the environment: %+v", o.HTTP)
	}

	t.Setenv("FERRY_RENDEZVOUS_MAX_SLOTS", "many")
	var stderr bytes.Buffer
	if code := servercmd.Main(t.Context(), nil, io.Discard, &stderr); code != servercmd.ExitUsage {
		t.Fatalf("bad variable: exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "FERRY_RENDEZVOUS_MAX_SLOTS") {
		t.Errorf("bad variable: %q does not name it", stderr.String())
	}
}

// TestEveryFlagHasAVariable sets every flag's variable (to its default) and
// checks that the command took each one: flags added in other files are
// covered without a list.
func TestEveryFlagHasAVariable(t *testing.T) {
	cmd := servercmd.NewCmd(io.Discard, io.Discard, func(context.Context, *servercmd.Options) error { return nil })
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, isSlice := f.Value.(pflag.SliceValue); isSlice || f.Name == "help" || f.Name == "version" {
			return
		}
		names = append(names, f.Name)
		t.Setenv(servercmd.EnvName(f.Name), f.DefValue)
	})
	cmd.SetArgs(nil)
	_ = cmd.Execute() // some flags only make sense together; what counts is that each was read
	for _, name := range names {
		if !cmd.Flags().Lookup(name).Changed {
			t.Errorf("%s did not set --%s", servercmd.EnvName(name), name)
		}
	}
	if len(names) < 15 {
		t.Errorf("only %d flags: %v", len(names), names)
	}
}

func TestOpsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--tls-cert", "cert.pem"},
		{"--tls-key", "key.pem"},
		{"--trusted-proxy", "proxy.example.com"},
		{"--trusted-proxy", "10.0.0.0/33"},
		{"--metrics-listen", "9339"},
		{"--shutdown-timeout", "0s"},
		{"--http-timeout", "0s"},
		{"--http-idle-timeout", "-1s"},
		{"--tcp-conns-per-ip", "0"},
		{"--max-tcp-conns", "-1"},
	} {
		var stderr bytes.Buffer
		if code := servercmd.Main(t.Context(), args, io.Discard, &stderr); code != servercmd.ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), args[0]) {
			t.Errorf("%v: %q does not name the flag", args, stderr.String())
		}
	}
}

func TestHelpGroupsAndEnvironment(t *testing.T) {
	var stdout bytes.Buffer
	if code := servercmd.Main(t.Context(), []string{"--help"}, &stdout, io.Discard); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	help := stdout.String()
	for _, want := range []string{"Examples:", "Listening:", "TLS and reverse proxies:", "Limits", "Logging:", "Environment:",
		"FERRY_RENDEZVOUS_MAX_SLOTS", "--tls-cert", "--tls-key", "--trusted-proxy", "--metrics-listen", "--shutdown-timeout", "SIGHUP"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help does not mention %s", want)
		}
	}
	if strings.Index(help, "--tls-cert") > strings.Index(help, "--max-slots") {
		t.Error("--help: TLS flags should come before the limits")
	}
}

// server runs servercmd.Main in-process with args and returns its stderr
// lines and a function that stops it and returns the exit code.
func server(t *testing.T, args ...string) (*lines, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	out := readLines(pr)
	exit := make(chan int, 1)
	go func() {
		exit <- servercmd.Main(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), io.Discard, pw)
		pw.Close()
	}()
	stopped := false
	var code int
	stop := func() int {
		if !stopped {
			cancel()
			code, stopped = <-exit, true
		}
		return code
	}
	t.Cleanup(func() { stop() })
	return out, stop
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsEndpoints: /metrics is not on --listen by default (404, and
// the log says how to serve it), only on --metrics-listen, or on --listen
// too with --metrics-public.
func TestMetricsEndpoints(t *testing.T) {
	out, _ := server(t)
	addr := out.waitFor(t, listeningText)[1]
	out.waitFor(t, regexp.MustCompile(`metrics not served: give --metrics-listen`))
	if code, _ := get(t, http.DefaultClient, "http://"+addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on --listen by default = %d, want 404", code)
	}

	out, _ = server(t, "--metrics-listen", "127.0.0.1:0")
	maddr := out.waitFor(t, regexp.MustCompile(`msg="metrics listening" addr=(\S+)`))[1]
	addr = out.waitFor(t, listeningText)[1]
	if code, _ := get(t, http.DefaultClient, "http://"+addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on --listen with --metrics-listen = %d, want 404", code)
	}
	if code, body := get(t, http.DefaultClient, "http://"+maddr+"/metrics"); code != 200 || !strings.Contains(body, "ferry_rendezvous_pairings_total 0") ||
		!strings.Contains(body, `ferry_rendezvous_tcp_connections_open{listener="metrics"} 1`) {
		t.Errorf("GET /metrics on --metrics-listen = %d:\n%s", code, body)
	}

	out, _ = server(t, "--metrics-public")
	addr = out.waitFor(t, listeningText)[1]
	if code, body := get(t, http.DefaultClient, "http://"+addr+"/metrics"); code != 200 || !strings.Contains(body, "ferry_rendezvous_connections_open 0") {
		t.Errorf("GET /metrics on --listen with --metrics-public = %d:\n%s", code, body)
	}
}

// certFiles makes a self-signed certificate for 127.0.0.1 and localhost,
// named name, and writes cert.pem and key.pem into dir (replacing them).
func certFiles(t *testing.T, dir, name string) *x509.Certificate {
	t.Helper()
	cert, _, _ := testcert.Write(t, dir, name)
	return cert
}

// trusting is an HTTP client that trusts certs (and nothing else).
func trusting(certs ...*x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// servedCert is the certificate a TLS server at addr shows now.
func servedCert(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only to read what is served
	if err != nil {
		t.Fatalf("tls dial %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// TestTLSFromFiles: --tls-cert/--tls-key serve wss:// and https:// (healthz,
// metrics) with a certificate made here; a pair meets through it.
func TestTLSFromFiles(t *testing.T) {
	dir := t.TempDir()
	cert := certFiles(t, dir, "ferry test one")
	out, stop := server(t, "--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"), "--metrics-public")
	out.waitFor(t, regexp.MustCompile(`msg="tls certificate loaded" subject="CN=ferry test one"`))
	addr := out.waitFor(t, listeningText)[1]
	hc := trusting(cert)
	if code, body := get(t, hc, "https://"+addr+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("GET https://%s/healthz = %d %q", addr, code, body)
	}
	if code, body := get(t, hc, "https://"+addr+"/metrics"); code != 200 || !strings.Contains(body, "ferry_rendezvous_slots") {
		t.Fatalf("GET https://%s/metrics = %d", addr, code)
	}

	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	opts := rendezvousclient.DialOptions{HTTPClient: hc}
	sender, err := rendezvousclient.DialWith(ctx, "wss://"+addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	slot, err := sender.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	receiver, err := rendezvousclient.DialWith(ctx, "wss://"+addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer receiver.Close()
	if err := receiver.Join(ctx, slot); err != nil {
		t.Fatal(err)
	}
	if err := sender.WaitPeer(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(ctx, []byte("offer")); err != nil {
		t.Fatal(err)
	}
	if b, err := receiver.Recv(ctx); err != nil || string(b) != "offer" {
		t.Fatalf("Recv = %q, %v", b, err)
	}
	// Plain ws:// to the TLS port says what to do.
	_, err = rendezvousclient.Dial(ctx, "ws://"+addr)
	if err == nil || !strings.Contains(err.Error(), "wss://") {
		t.Errorf("ws:// to a TLS port: %v, want advice to use wss://", err)
	}
	sender.Close()
	receiver.Close()
	if code := stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestTLSBadFiles(t *testing.T) {
	dir := t.TempDir()
	certFiles(t, dir, "x")
	var stderr bytes.Buffer
	code := servercmd.Main(t.Context(), []string{"--listen", "127.0.0.1:0", "--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "missing.pem")}, io.Discard, &stderr)
	if code != servercmd.ExitFailure {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "--tls-key") || !strings.Contains(stderr.String(), "missing.pem") {
		t.Errorf("stderr %q does not explain", stderr.String())
	}
}

// TestRelayMetrics: with the embedded TURN relay, /metrics also shows its
// allocations and relayed bytes; a real allocation with the credentials of
// the welcome message shows up in them.
func TestRelayMetrics(t *testing.T) {
	out, _ := server(t, "--turn-listen", "127.0.0.1:0", "--metrics-public")
	addr := out.waitFor(t, listeningText)[1]
	_, body := get(t, http.DefaultClient, "http://"+addr+"/metrics")
	for _, want := range []string{"ferry_rendezvous_turn_allocations_open 0", "ferry_rendezvous_turn_relayed_bytes_total 0", "ferry_rendezvous_turn_allocations_total 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	c, err := rendezvousclient.Dial(testCtx(t), "ws://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pairUp(testCtx(t), t, c, addr)
	var turnAddr, user, pass string
	for _, s := range c.ICEServers() {
		for _, u := range s.URLs {
			if rest, ok := strings.CutPrefix(u, "turn:"); ok {
				turnAddr, _, _ = strings.Cut(rest, "?")
				user, pass = s.Username, s.Credential
			}
		}
	}
	if turnAddr == "" {
		t.Fatalf("no TURN server in the welcome: %+v", c.ICEServers())
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	tc, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: turnAddr, TURNServerAddr: turnAddr, Conn: pc, Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := tc.Allocate()
	if err != nil {
		t.Fatalf("TURN allocation: %v", err)
	}
	defer relayed.Close()
	_, body = get(t, http.DefaultClient, "http://"+addr+"/metrics")
	for _, want := range []string{"ferry_rendezvous_turn_allocations_open 1", "ferry_rendezvous_turn_allocations_total 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("after an allocation /metrics lacks %q", want)
		}
	}
}
