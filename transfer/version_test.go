package transfer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestVersionMismatch(t *testing.T) {
	t.Run("newer sender", func(t *testing.T) {
		got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
			p.hello(roleSender, protocolVersion+1, protocolVersion+2)
		})
		if !errors.Is(got.err, ErrVersion) {
			t.Fatalf("receive: %v", got.err)
		}
		ours := versionRange(localHello(roleReceiver, "v-test"))
		theirs := fmt.Sprintf("versions %d to %d", protocolVersion+1, protocolVersion+2)
		for _, want := range []string{theirs, ours, "upgrade ferry on this computer"} {
			if !strings.Contains(got.err.Error(), want) {
				t.Errorf("receive: %v, want it to say %q", got.err, want)
			}
		}
	})
	t.Run("older receiver", func(t *testing.T) {
		got := sendTo(t, testContext(t), (&memSource{}).add("a", []byte("a")), SendOptions{Software: "v9.8.7"}, func(p *rawPeer) {
			p.hello(roleReceiver, 0, 0)
		})
		if !errors.Is(got.err, ErrVersion) || !strings.Contains(got.err.Error(), "the peer must upgrade ferry") {
			t.Fatalf("send: %v", got.err)
		}
		if !strings.Contains(got.err.Error(), "this is ferry v9.8.7") {
			t.Errorf("send: %v, want it to name this side's release from SendOptions.Software", got.err)
		}
	})
	t.Run("a compatible range picks the common version", func(t *testing.T) {
		v, err := negotiate(localHello(roleSender, "v-test"), hello{minVersion: 1, maxVersion: 7, role: roleReceiver})
		if err != nil || v != protocolVersion {
			t.Errorf("negotiate: %d, %v", v, err)
		}
	})
}

func TestNotAFerryPeer(t *testing.T) {
	got := receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
		p.send(frameHello, []byte("GET / HTTP/1.1\r\n"))
	})
	if !errors.Is(got.err, ErrProtocol) || !strings.Contains(got.err.Error(), "does not speak the ferry transfer protocol") {
		t.Errorf("receive: %v", got.err)
	}
	got = receiveFrom(t, testContext(t), ReceiveOptions{Dir: t.TempDir()}, func(p *rawPeer) {
		p.conn.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	})
	if !errors.Is(got.err, ErrProtocol) {
		t.Errorf("receive: %v", got.err)
	}
}

func TestBothSidesSending(t *testing.T) {
	got := sendTo(t, testContext(t), (&memSource{}).add("a", []byte("a")), SendOptions{}, func(p *rawPeer) {
		p.hello(roleSender, protocolVersion, protocolVersion)
	})
	if !errors.Is(got.err, ErrProtocol) || !strings.Contains(got.err.Error(), "ferry receive") {
		t.Errorf("send: %v", got.err)
	}
}
