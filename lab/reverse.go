package lab

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// labPTRs are the universe's IPv4 PTR records moved to the reverse names
// of the lab's addresses: in the lab a host's address is 127.53.x.y or
// 127.55.x.y (labAddr), so ddx --ptr looks up the reverse name of that,
// not of 192.0.2.z. The lab's addresses have no reverse zones of their
// own; the records are published in in-addr.arpa itself, by the servers
// of in-addr.arpa. A reverse name the universe has no PTR for stays
// NXDOMAIN.
func (l *Lab) labPTRs() string {
	seen := map[string]bool{}
	var lines []string
	for _, s := range l.Servers {
		for origin, z := range s.Zones {
			if !dns.IsSubDomain("in-addr.arpa.", origin) {
				continue
			}
			for _, rr := range z.Records() {
				p, ok := rr.(*dns.PTR)
				if !ok {
					continue
				}
				a, ok := reverseV4(p.Hdr.Name)
				if !ok {
					continue
				}
				owner, err := dns.ReverseAddr(l.labAddr(a).String())
				if err != nil {
					continue
				}
				line := fmt.Sprintf("%s\t%d\tIN\tPTR\t%s", owner, p.Hdr.Ttl, p.Ptr)
				if !seen[line] {
					seen[line] = true
					lines = append(lines, line)
				}
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// reverseV4 reads the IPv4 address of a full reverse name
// (10.2.0.192.in-addr.arpa. is 192.0.2.10).
func reverseV4(name string) (netip.Addr, bool) {
	rest, ok := strings.CutSuffix(strings.ToLower(name), ".in-addr.arpa.")
	labels := strings.Split(rest, ".")
	if !ok || len(labels) != 4 {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i, label := range labels {
		n, err := strconv.ParseUint(label, 10, 8)
		if err != nil {
			return netip.Addr{}, false
		}
		b[3-i] = byte(n)
	}
	return netip.AddrFrom4(b), true
}
