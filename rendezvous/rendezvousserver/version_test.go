package rendezvousserver_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousserver"
)

func TestWrongVersionPathAnswers426(t *testing.T) {
	srv, _ := start(t, rendezvousserver.Config{})
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
