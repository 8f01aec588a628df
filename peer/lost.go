package peer

import (
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// A peer that vanishes (killed, suspended, its network gone) sends nothing
// more, not even a close, and SCTP retransmits forever: only ICE notices
// the silence. pion's own "failed" comes ICETimeout (20 s) after the last
// packet, so the lost timer declares the path lost sooner: pion reports
// "disconnected" after settings.disconnected of silence, and if it does not
// come back within the rest of LostTimeout, the connection is lost. Any
// packet from the peer counts, and ICE's keepalives flow every second both
// ways even when no data does, so a slow or lossy path that is alive does
// not get there: at 10% loss, seven seconds without one packet of a dozen
// or more is about a one-in-a-billion event.

// errPeerLost is wrapped by the error Read and Write return once the path
// was silent for LostTimeout.
var errPeerLost = errors.New("peer: the peer went silent")

// lostError explains a silent path.
func (s settings) lostError() error {
	return fmt.Errorf("%w: nothing received from it for %s (it stopped, crashed or lost its network)", errPeerLost, s.LostTimeout)
}

// watchSilence runs on pion's ICE state changes: it starts the lost timer
// when the path goes quiet and stops it when packets come back.
func (n *negotiation) watchSilence(st webrtc.ICEConnectionState) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch st {
	case webrtc.ICEConnectionStateDisconnected:
		if n.lostTimer == nil {
			n.lostTimer = time.AfterFunc(n.cfg.LostTimeout-n.cfg.disconnected(), n.silent)
		}
	default:
		if n.lostTimer != nil {
			n.lostTimer.Stop()
			n.lostTimer = nil
		}
	}
}

// silent runs when the path stayed quiet for LostTimeout.
func (n *negotiation) silent() {
	if n.pc.ICEConnectionState() != webrtc.ICEConnectionStateDisconnected {
		return // it came back just now
	}
	n.fail(fmt.Errorf("%w: the peer stopped answering while the connection was set up (nothing received for %s)",
		ErrNoRoute, n.cfg.LostTimeout), n.cfg.lostError())
}
