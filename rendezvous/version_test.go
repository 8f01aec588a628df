package rendezvous_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/ferry-dev/ferry/rendezvous"
)

func TestNewerServerTellsClientToUpgrade(t *testing.T) {
	hs := httptest.NewServer(rendezvous.NewServerVersion(nil, rendezvous.Config{}, 2))
	t.Cleanup(hs.Close)
	_, err := rendezvous.Dial(testCtx(t), hs.URL)
	wantErr(t, err, rendezvous.ErrVersion, "the rendezvous server speaks protocol v2, this ferry speaks v1: upgrade ferry")
}

func TestNewerClientTellsToUpgradeServer(t *testing.T) {
	srv, _ := start(t, rendezvous.Config{})
	_, err := rendezvous.DialVersion(testCtx(t), srv.URL, 2)
	wantErr(t, err, rendezvous.ErrVersion, "the rendezvous server speaks protocol v1, this ferry speaks v2: upgrade the server")
}

func TestWrongVersionPathAnswers426(t *testing.T) {
	srv, _ := start(t, rendezvous.Config{})
	for _, v := range []string{"0", "2", "17"} {
		resp, err := http.Get(srv.HTTPURL + "/v" + v + "/ws")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUpgradeRequired {
			t.Errorf("/v%s/ws: status %d, want 426", v, resp.StatusCode)
		}
		if got := resp.Header.Get(rendezvous.VersionHeader); got != "1" {
			t.Errorf("/v%s/ws: %s = %q, want 1", v, rendezvous.VersionHeader, got)
		}
		if !strings.Contains(string(body), "speaks protocol v1, the client speaks v"+v) {
			t.Errorf("/v%s/ws: body %q does not explain the versions", v, body)
		}
	}
}

func TestOldServerWithoutEndpoint(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	_, err := rendezvous.Dial(testCtx(t), hs.URL)
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
	_, err := rendezvous.Dial(testCtx(t), hs.URL)
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
	_, err := rendezvous.Dial(testCtx(t), hs.URL)
	wantErr(t, err, rendezvous.ErrVersion, "does not greet like a ferry rendezvous server")
}
