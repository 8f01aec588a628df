package rendezvousclient_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

// The server answers a client of an older version with 426 and its own
// version, and the client tells its user to upgrade ferry.
func TestNewerServerTellsClientToUpgrade(t *testing.T) {
	srv := start(t, rendezvousserver.Config{})
	_, err := rendezvousclient.DialVersion(testCtx(t), srv.URL, 0)
	wantErr(t, err, rendezvous.ErrVersion, "the rendezvous server speaks protocol v1, this ferry speaks v0: upgrade ferry")
}

func TestNewerClientTellsToUpgradeServer(t *testing.T) {
	srv := start(t, rendezvousserver.Config{})
	_, err := rendezvousclient.DialVersion(testCtx(t), srv.URL, 2)
	wantErr(t, err, rendezvous.ErrVersion, "the rendezvous server speaks protocol v1, this ferry speaks v2: upgrade the server")
}

func TestOldServerWithoutEndpoint(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	_, err := rendezvousclient.Dial(testCtx(t), hs.URL)
	wantErr(t, err, rendezvous.ErrVersion, "no protocol v1 endpoint (HTTP 404)", "upgrade the server, or check --server")
}

func TestServerGreetsWithOtherVersion(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		_ = ws.Write(r.Context(), websocket.MessageText, []byte(`{"type":"welcome","version":3}`))
		_, _, _ = ws.Read(r.Context())
	}))
	t.Cleanup(hs.Close)
	_, err := rendezvousclient.Dial(testCtx(t), hs.URL)
	wantErr(t, err, rendezvous.ErrVersion, "speaks protocol v3, this ferry speaks v1: upgrade ferry")
}

func TestServerThatIsNotFerry(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		_ = ws.Write(r.Context(), websocket.MessageText, []byte(`hello, chat user`))
		_, _, _ = ws.Read(r.Context())
	}))
	t.Cleanup(hs.Close)
	_, err := rendezvousclient.Dial(testCtx(t), hs.URL)
	wantErr(t, err, rendezvous.ErrVersion, "does not greet like a ferry rendezvous server")
}
