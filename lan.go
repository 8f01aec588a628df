//go:build !js

package ferry

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// lanAddr is an IPv4 address of this host on an interface.
type lanAddr struct {
	ifc  net.Interface
	ip   net.IP
	rank int // lower is likelier the LAN (lanRank)
}

// lanAddrs lists this host's IPv4 addresses that a peer on the local network
// may reach, the likeliest first: interfaces that are up and not loopback,
// link-local addresses left out.
func lanAddrs() []lanAddr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []lanAddr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip4 := ipn.IP.To4(); ip4 != nil && !ip4.IsLinkLocalUnicast() {
					out = append(out, lanAddr{ifc: ifc, ip: ip4, rank: lanRank(ifc)})
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b lanAddr) int { return a.rank - b.rank })
	return out
}

// Ranks of interfaces, the likeliest LAN first. A virtual bridge (docker0,
// virbr0, a Kubernetes or Podman network) carries containers or virtual
// machines, not the LAN; an interface without a carrier (a bridge no
// container uses yet) reaches nobody.
const (
	rankPhysical  = iota // a network card: /sys/class/net/NAME/device
	rankVirtual          // a veth, a VPN, a tunnel; or no sysfs to tell
	rankContainer        // a bridge, or named like a container network
	rankNoCarrier        // up, but no link
)

// containerPrefixes name the interfaces that container and VM tools create.
var containerPrefixes = []string{"docker", "br-", "virbr", "veth", "cni", "flannel", "cali", "vxlan", "podman", "lxc", "lxd", "vnet", "vmnet", "vboxnet", "kube", "weave", "cilium", "tun", "tap"}

func lanRank(ifc net.Interface) int {
	if ifc.Flags&net.FlagRunning == 0 {
		return rankNoCarrier
	}
	sys := filepath.Join("/sys/class/net", ifc.Name)
	if _, err := os.Stat(filepath.Join(sys, "bridge")); err == nil {
		return rankContainer
	}
	for _, p := range containerPrefixes {
		if strings.HasPrefix(ifc.Name, p) {
			return rankContainer
		}
	}
	if _, err := os.Stat(filepath.Join(sys, "device")); err == nil {
		return rankPhysical
	}
	return rankVirtual
}

// advertised resolves ServerConfig.Advertise: an interface name stands for
// its likeliest address; "" picks the likeliest of all (lanAddrs), or
// 127.0.0.1 when the host has no other. It returns the host (or host:port)
// and the interface to announce the server on (nil: none known).
func advertised(advertise string) (string, *net.Interface, error) {
	addrs := lanAddrs()
	if advertise == "" {
		if len(addrs) == 0 {
			return "127.0.0.1", nil, nil
		}
		return addrs[0].ip.String(), &addrs[0].ifc, nil
	}
	if ifc, err := net.InterfaceByName(advertise); err == nil {
		for _, a := range addrs {
			if a.ifc.Index == ifc.Index {
				return a.ip.String(), &a.ifc, nil
			}
		}
		return "", nil, fmt.Errorf("advertise %s: the interface has no IPv4 address that is up", advertise)
	}
	host := advertise
	if h, _, err := net.SplitHostPort(advertise); err == nil {
		host = h
	}
	if ip := net.ParseIP(host); ip != nil {
		for _, a := range addrs {
			if a.ip.Equal(ip) {
				return advertise, &a.ifc, nil
			}
		}
	}
	return advertise, nil, nil
}
