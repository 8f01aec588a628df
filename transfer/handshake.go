package transfer

import "fmt"

// localHello is this side's hello; software names the program (e.g.
// "v1.2.0") in the peer's messages, "" for unknown.
func localHello(role uint8, software string) hello {
	if software == "" {
		software = "(unknown release)"
	}
	return hello{
		minVersion: minProtocolVersion,
		maxVersion: protocolVersion,
		role:       role,
		software:   software,
	}
}

// negotiate checks the peer's hello against ours and returns the protocol
// version both speak: the highest one in both ranges.
func negotiate(local, peer hello) (uint16, error) {
	if peer.role == local.role {
		what := "send"
		if local.role == roleReceiver {
			what = "receive"
		}
		return 0, fmt.Errorf("%w: both peers are trying to %s: one side must run ferry send and the other ferry receive", ErrProtocol, what)
	}
	if peer.role != roleSender && peer.role != roleReceiver {
		return 0, fmt.Errorf("%w: the peer announced an unknown role %d", ErrProtocol, peer.role)
	}
	v := min(local.maxVersion, peer.maxVersion)
	if v >= max(local.minVersion, peer.minVersion) {
		return v, nil
	}
	desc := fmt.Sprintf("the peer runs ferry %s, which speaks transfer protocol %s; this is ferry %s, which speaks %s",
		escapeText(peer.software), versionRange(peer), escapeText(local.software), versionRange(local))
	if peer.minVersion > local.maxVersion {
		return 0, fmt.Errorf("%w: %s: upgrade ferry on this computer", ErrVersion, desc)
	}
	return 0, fmt.Errorf("%w: %s: the peer must upgrade ferry", ErrVersion, desc)
}

func versionRange(h hello) string {
	if h.minVersion == h.maxVersion {
		return fmt.Sprintf("version %d", h.minVersion)
	}
	return fmt.Sprintf("versions %d to %d", h.minVersion, h.maxVersion)
}
