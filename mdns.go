//go:build !js

package ferry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/mdns"
	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"

	"github.com/ferry-dev/ferry/rendezvous"
	"github.com/ferry-dev/ferry/rendezvous/rendezvousclient"
)

// A local server announces itself on the local network with multicast DNS
// (DNS-SD, RFC 6763): service _ferry._tcp, an instance named at random, the
// server's address and port, and a TXT record with the rendezvous protocol
// version. Nothing in it helps a guesser: not the code's number, not its
// words; a receiver asks each server it found for its code's number, and the
// PAKE still decides. A receiver asks for unicast answers (RFC 6762 5.4), so
// that a sender on the same host answers too.
const (
	mdnsService = "_ferry._tcp"
	mdnsDomain  = "local."
)

var mdnsTXT = "ferry-rendezvous=" + strconv.Itoa(rendezvous.Version)

// quietLog is for the mDNS package, which logs every closed client.
var quietLog = log.New(io.Discard, "", 0)

// announce answers mDNS queries for the server at ip:port on ifc (nil: the
// system's default multicast interface) until stop is called.
func announce(ip net.IP, port int, ifc *net.Interface) (stop func(), err error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	instance := "ferry-" + hex.EncodeToString(b[:])
	svc, err := mdns.NewMDNSService(instance, mdnsService, mdnsDomain, instance+"."+mdnsDomain, port, []net.IP{ip}, []string{mdnsTXT})
	if err != nil {
		return nil, fmt.Errorf("announce on the local network: %w", err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Iface: ifc, Logger: quietLog})
	if err != nil {
		return nil, fmt.Errorf("announce on the local network: %w", err)
	}
	return func() { _ = srv.Shutdown() }, nil
}

// discover looks for local servers on the local network for timeout and
// sends each one's URL (ws://IP:PORT) to found once, as it answers; it
// closes found at the end. It asks on every interface that is up, takes
// multicast and is not loopback, from a socket of its own (no need for port
// 5353, which another responder may hold, nor for a route to the multicast
// group: a LAN without internet has none).
func discover(ctx context.Context, timeout time.Duration, found chan<- string) {
	defer close(found)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ifaces, _ := net.Interfaces()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagMulticast == 0 || ifc.Flags&net.FlagLoopback != 0 || !testAllows(ifc) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = queryOn(ctx, ifc, func(u string) {
				mu.Lock()
				isNew := !seen[u]
				seen[u] = true
				mu.Unlock()
				if isNew {
					select {
					case found <- u:
					case <-ctx.Done():
					}
				}
			})
		}()
	}
	wg.Wait()
}

// queryOn asks for ferry servers on ifc, with the unicast-response bit set
// (RFC 6762 5.4), and passes each answer's URL to answer until ctx ends.
func queryOn(ctx context.Context, ifc net.Interface, answer func(url string)) error {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero})
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if err := ipv4.NewPacketConn(conn).SetMulticastInterface(&ifc); err != nil {
		return err
	}
	q := new(dns.Msg)
	q.SetQuestion(mdnsService+"."+mdnsDomain, dns.TypePTR)
	q.RecursionDesired = false
	q.Question[0].Qclass |= 1 << 15 // QU: answer me directly
	b, err := q.Pack()
	if err != nil {
		return err
	}
	if _, err := conn.WriteToUDP(b, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}); err != nil {
		return err
	}
	buf := make([]byte, 9000)
	for {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return err // closed when ctx ends
		}
		var m dns.Msg
		if m.Unpack(buf[:n]) != nil {
			continue
		}
		for _, u := range serverURLs(&m) {
			answer(u)
		}
	}
}

// serverURLs reads the URLs of ferry servers from an mDNS answer: an
// instance of _ferry._tcp (PTR) whose TXT record names ferry's rendezvous
// protocol version, at the port of its SRV record and the address of its
// host's A record. Records of other services are ignored.
func serverURLs(m *dns.Msg) []string {
	service := mdnsService + "." + mdnsDomain
	var (
		instances []string
		srv       = map[string]*dns.SRV{}
		txt       = map[string]bool{}
		a         = map[string]net.IP{}
	)
	for _, rr := range append(append(m.Answer, m.Ns...), m.Extra...) {
		name := strings.ToLower(rr.Header().Name)
		switch r := rr.(type) {
		case *dns.PTR:
			if name == service {
				instances = append(instances, strings.ToLower(r.Ptr))
			}
		case *dns.SRV:
			srv[name] = r
		case *dns.TXT:
			txt[name] = slices.Contains(r.Txt, mdnsTXT)
		case *dns.A:
			a[name] = r.A
		}
	}
	var urls []string
	for _, inst := range instances {
		s := srv[inst]
		if s == nil || !txt[inst] || s.Port == 0 {
			continue
		}
		if ip := a[strings.ToLower(s.Target)].To4(); ip != nil && !ip.IsUnspecified() && !ip.IsMulticast() {
			urls = append(urls, "ws://"+net.JoinHostPort(ip.String(), strconv.Itoa(int(s.Port))))
		}
	}
	return urls
}

// A LAN server answers in milliseconds; one that does not, or a flood of
// answers (anyone on the LAN can answer mDNS), must not hold the receiver.
var (
	lanJoinTimeout = 5 * time.Second // tests shorten it
	maxLANServers  = 16
)

// lookOnLAN finds local servers: discover; tests replace it with a list.
var lookOnLAN = discover

// errNoLANServer: no local server answered on the local network. It is
// waitable (ReceiveConfig.Wait): the sender may not have started yet.
var errNoLANServer = fmt.Errorf("%w on the local network (no ferry sender answered there within %s): if the sender printed a command with --server, run that one",
	rendezvous.ErrNoSuchSlot, DiscoverTimeout)

// joinOnLAN joins the sender under code among the local servers that answer
// on the local network, asking each as it answers, until one holds the
// code's number. One that does not, says so, and costs nothing: the PAKE
// runs only with the one that holds it.
func joinOnLAN(ctx context.Context, cfg ConnectConfig, code rendezvous.Code) (*rendezvousclient.Conn, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops looking once joined
	found := make(chan string)
	go lookOnLAN(ctx, DiscoverTimeout, found)
	lastErr := errNoLANServer
	tried := 0
	for u := range found {
		if tried++; tried > maxLANServers {
			break // an answer flood: the real sender is rarely the 17th
		}
		actx, cancelTry := context.WithTimeout(ctx, lanJoinTimeout)
		rz, err := dialJoinAt(actx, cfg, u, code)
		cancelTry()
		if err == nil {
			return rz, nil // cancel ends discover, which sends nothing more
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if !waitable(err) {
			lastErr = err
		} else if lastErr == errNoLANServer {
			lastErr = fmt.Errorf("%w on any of the ferry senders on the local network", rendezvous.ErrNoSuchSlot)
		}
	}
	return nil, lastErr
}

// testAllows reports whether the package's tests (testIPFilter) let traffic
// use ifc: only when one of its addresses passes the filter.
func testAllows(ifc net.Interface) bool {
	if testIPFilter == nil {
		return true
	}
	addrs, _ := ifc.Addrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && testIPFilter(ipn.IP) {
			return true
		}
	}
	return false
}
