//go:build !js

package peer

import (
	"io"
	"net"
	"testing"

	"github.com/pion/datachannel"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// BenchmarkBarePion is the ceiling BenchmarkConn is measured against: a bare
// pion data channel as in DESIGN.md "Targets" (detached, 256 KiB messages,
// 4/16 MiB watermarks, 4 MiB UDP socket buffers through an ICE UDP mux),
// without ferry's code, in one process.
func BenchmarkBarePion(b *testing.B) {
	const msg = 256 << 10
	const low, high = 4 << 20, 16 << 20
	mk := func() *webrtc.PeerConnection {
		var se webrtc.SettingEngine
		se.DetachDataChannels()
		se.SetIncludeLoopbackCandidate(true)
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		conn.SetReadBuffer(4 << 20)
		conn.SetWriteBuffer(4 << 20)
		mux := webrtc.NewICEUDPMux(nil, conn)
		b.Cleanup(func() { mux.Close() })
		se.SetICEUDPMux(mux)
		pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { pc.Close() })
		return pc
	}
	pa, pb := mk(), mk()
	opened := make(chan datachannel.ReadWriteCloser, 2)
	detach := func(dc *webrtc.DataChannel) {
		dc.OnOpen(func() {
			rwc, err := dc.Detach()
			if err != nil {
				panic(err)
			}
			opened <- rwc
		})
	}
	dc, err := pa.CreateDataChannel("bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	detach(dc)
	pb.OnDataChannel(detach)
	exchange := func(from, to *webrtc.PeerConnection, d webrtc.SessionDescription) {
		done := webrtc.GatheringCompletePromise(from)
		if err := from.SetLocalDescription(d); err != nil {
			b.Fatal(err)
		}
		<-done
		if err := to.SetRemoteDescription(*from.LocalDescription()); err != nil {
			b.Fatal(err)
		}
	}
	offer, _ := pa.CreateOffer(nil)
	exchange(pa, pb, offer)
	answer, _ := pb.CreateAnswer(nil)
	exchange(pb, pa, answer)
	w, r := <-opened, <-opened
	if _, ok := w.(detached); !ok { // which end is which does not matter
		b.Fatal("not a detached channel")
	}
	wd := w.(detached)
	lowSig := make(chan struct{}, 1)
	wd.SetBufferedAmountLowThreshold(low)
	wd.OnBufferedAmountLow(func() {
		select {
		case lowSig <- struct{}{}:
		default:
		}
	})
	total := int64(b.N) * (1 << 20)
	read := make(chan error, 1)
	go func() {
		buf := make([]byte, msg)
		var got int64
		for got < total {
			n, err := r.Read(buf)
			if err != nil {
				read <- err
				return
			}
			got += int64(n)
		}
		read <- nil
	}()
	buf := make([]byte, msg)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	for sent := int64(0); sent < total; sent += msg {
		if wd.BufferedAmount() > high {
			<-lowSig
		}
		if _, err := w.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-read; err != nil && err != io.EOF {
		b.Fatal(err)
	}
}
