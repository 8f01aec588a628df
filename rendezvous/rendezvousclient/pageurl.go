package rendezvousclient

import (
	"net/url"
	"strings"

	"github.com/ferry-dev/ferry/rendezvous"
)

// PageURL is the address of the web page that the rendezvous server at
// serverURL serves at its root (ferry-rendezvous, and the server in `ferry
// send`), with code in the fragment: a browser that opens it is ready to
// receive. Browsers never send the fragment to the server. "" when
// serverURL is not a server URL.
func PageURL(serverURL, code string) string {
	ws, err := endpointURL(serverURL, rendezvous.Version)
	if err != nil {
		return ""
	}
	u, err := url.Parse(ws)
	if err != nil {
		return ""
	}
	u.Scheme = map[string]string{"ws": "http", "wss": "https"}[u.Scheme]
	u.Path = strings.TrimSuffix(u.Path, rendezvous.WSPathFor(rendezvous.Version)) + "/"
	u.Fragment = code
	return u.String()
}
