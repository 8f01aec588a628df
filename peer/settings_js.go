//go:build js

package peer

import (
	"io"

	"github.com/pion/webrtc/v4"
)

// newAPI builds the pion API for one PeerConnection in a browser, where pion
// drives the browser's RTCPeerConnection: ICE, DTLS and SCTP are the
// browser's, and none of the native settings (loopback candidates, mDNS,
// timeouts, SCTP window, socket buffers, UDP mux) can be set from here. bn
// reports nothing and there is never a mux.
func newAPI(settings) (api *webrtc.API, bn *bufferedNet, mux io.Closer, err error) {
	return webrtc.NewAPI(), &bufferedNet{}, nil, nil
}
