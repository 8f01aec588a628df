package ferry

import (
	"net"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestServerURLsOnlyFerry: an answer is read as a ferry server only with
// the PTR of _ferry._tcp, an SRV with a port, the TXT naming ferry's protocol
// version and an A record; other services' records on the LAN (a printer, an
// instance that names another version) are ignored.
func TestServerURLsOnlyFerry(t *testing.T) {
	m := new(dns.Msg)
	m.Answer = []dns.RR{
		rr(t, "_ferry._tcp.local. 120 IN PTR ferry-aa._ferry._tcp.local."), // no SRV nor TXT for it
		rr(t, "_ferry._tcp.local. 120 IN PTR Ferry-1._ferry._tcp.local."),
		rr(t, "_ferry._tcp.local. 120 IN PTR ferry-2._ferry._tcp.local."),
		rr(t, "_ferry._tcp.local. 120 IN PTR ferry-3._ferry._tcp.local."),
		rr(t, "_ipp._tcp.local. 120 IN PTR printer._ipp._tcp.local."),
	}
	m.Extra = []dns.RR{
		rr(t, `ferry-1._ferry._tcp.local. 120 IN TXT "`+mdnsTXT+`"`),
		rr(t, "ferry-1._ferry._tcp.local. 120 IN SRV 0 0 40123 host1.local."),
		rr(t, "host1.local. 120 IN A 10.99.0.1"),
		rr(t, `ferry-2._ferry._tcp.local. 120 IN TXT "ferry-rendezvous=999"`), // another version
		rr(t, "ferry-2._ferry._tcp.local. 120 IN SRV 0 0 40124 host2.local."),
		rr(t, "host2.local. 120 IN A 10.99.0.2"),
		rr(t, `ferry-3._ferry._tcp.local. 120 IN TXT "`+mdnsTXT+`"`), // no A record for its host
		rr(t, "ferry-3._ferry._tcp.local. 120 IN SRV 0 0 40125 host3.local."),
		rr(t, `printer._ipp._tcp.local. 120 IN TXT "`+mdnsTXT+`"`),
		rr(t, "printer._ipp._tcp.local. 120 IN SRV 0 0 631 host1.local."),
	}
	if got := serverURLs(m); !slices.Equal(got, []string{"ws://10.99.0.1:40123"}) {
		t.Fatalf("serverURLs = %v, want only ws://10.99.0.1:40123", got)
	}
}

// TestLANRankPrefersTheLAN: a link without carrier, a bridge or a container
// network comes after an ordinary interface.
func TestLANRankPrefersTheLAN(t *testing.T) {
	up := net.FlagUp | net.FlagRunning
	for _, c := range []struct {
		ifc  net.Interface
		want int
	}{
		{net.Interface{Name: "docker0", Flags: up}, rankContainer},
		{net.Interface{Name: "br-3f2a", Flags: up}, rankContainer},
		{net.Interface{Name: "virbr0", Flags: up}, rankContainer},
		{net.Interface{Name: "eth-lab", Flags: net.FlagUp}, rankNoCarrier},
	} {
		if got := lanRank(c.ifc); got != c.want {
			t.Errorf("lanRank(%s) = %d, want %d", c.ifc.Name, got, c.want)
		}
	}
}
