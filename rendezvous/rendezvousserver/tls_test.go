package rendezvousserver_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// TestWSS: clients speak wss:// (and https://) to a server with TLS, and a
// certificate this computer does not trust gives advice instead of a hang.
func TestWSS(t *testing.T) {
	rz := rendezvousserver.New(slog.New(newLogWatch(t)), rendezvousserver.Config{})
	hs := httptest.NewTLSServer(rz) // its certificate is made for the test
	t.Cleanup(func() { _ = rz.Close(); hs.Close() })
	host := strings.TrimPrefix(hs.URL, "https://")
	ctx := testCtx(t)
	trust := rendezvousclient.DialOptions{HTTPClient: hs.Client()}

	sender, err := rendezvousclient.DialWith(ctx, "wss://"+host, trust)
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	slot, err := sender.Allocate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	receiver, err := rendezvousclient.DialWith(ctx, "https://"+host, trust)
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
	exchange(t, sender, receiver)

	_, err = rendezvousclient.Dial(ctx, "wss://"+host)
	wantErr(t, err, rendezvous.ErrUnreachable, "wss://"+host, "not signed by an authority this computer trusts", "SSL_CERT_FILE")
	_, err = rendezvousclient.Dial(ctx, "wss://"+strings.Replace(host, "127.0.0.1", "localhost", 1))
	if err == nil || !strings.Contains(err.Error(), "TLS certificate") {
		t.Errorf("Dial by another name: %v, want an explanation about the certificate", err)
	}
	// ws:// to a TLS port, and wss:// to a plain one.
	_, err = rendezvousclient.Dial(ctx, "ws://"+host)
	wantErr(t, err, rendezvous.ErrUnreachable, "speaks TLS", "use wss://")
	plain, _ := start(t, rendezvousserver.Config{})
	_, err = rendezvousclient.Dial(ctx, strings.Replace(plain.URL, "ws://", "wss://", 1))
	wantErr(t, err, rendezvous.ErrUnreachable, "does not speak TLS", "use ws://")
}
