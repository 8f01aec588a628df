//go:build !js

package peer

import (
	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// The functions below are what the native pion build offers and its js/wasm
// build (on top of the browser's RTCPeerConnection) does not; pion_js.go
// has their browser versions.

// remoteMaxMessage is the largest message the peer said it accepts; 0 when
// unknown.
func remoteMaxMessage(pc *webrtc.PeerConnection) uint32 {
	return pc.SCTP().GetCapabilities().MaxMessageSize
}

// closePC closes pc, waiting for pion's goroutines to end.
func closePC(pc *webrtc.PeerConnection) error {
	return pc.GracefulClose()
}

// detach turns an open data channel into a byte-level channel.
func detach(dc *webrtc.DataChannel) (datachannel.ReadWriteCloser, error) {
	return dc.Detach()
}
