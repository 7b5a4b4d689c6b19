package trace

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// The IANA root servers (named.root of 2024, after b.root-servers.net was
// renumbered).
var ianaRoots = []struct{ name, v4, v6 string }{
	{"a.root-servers.net.", "198.41.0.4", "2001:503:ba3e::2:30"},
	{"b.root-servers.net.", "170.247.170.2", "2801:1b8:10::b"},
	{"c.root-servers.net.", "192.33.4.12", "2001:500:2::c"},
	{"d.root-servers.net.", "199.7.91.13", "2001:500:2d::d"},
	{"e.root-servers.net.", "192.203.230.10", "2001:500:a8::e"},
	{"f.root-servers.net.", "192.5.5.241", "2001:500:2f::f"},
	{"g.root-servers.net.", "192.112.36.4", "2001:500:12::d0d"},
	{"h.root-servers.net.", "198.97.190.53", "2001:500:1::53"},
	{"i.root-servers.net.", "192.36.148.17", "2001:7fe::53"},
	{"j.root-servers.net.", "192.58.128.30", "2001:503:c27::2:30"},
	{"k.root-servers.net.", "193.0.14.129", "2001:7fd::1"},
	{"l.root-servers.net.", "199.7.83.42", "2001:500:9f::42"},
	{"m.root-servers.net.", "202.12.27.33", "2001:dc3::35"},
}

// RootHints returns the built-in IANA root servers, IPv4 and IPv6.
func RootHints() []Hint {
	hints := make([]Hint, 0, len(ianaRoots))
	for _, r := range ianaRoots {
		hints = append(hints, Hint{Name: r.name, Addrs: []netip.Addr{
			netip.MustParseAddr(r.v4), netip.MustParseAddr(r.v6)}})
	}
	return hints
}

// ErrNoHints means a hints file held no usable root server address.
var ErrNoHints = errors.New("no root server addresses")

// ParseHints reads root hints in named.root (zone file) format: NS records
// for "." and the A/AAAA records of their targets.
func ParseHints(r io.Reader, file string) ([]Hint, error) {
	zp := dns.NewZoneParser(r, ".", file)
	var ns []string
	addrs := map[string][]netip.Addr{}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch v := rr.(type) {
		case *dns.NS:
			if v.Hdr.Name == "." {
				ns = append(ns, strings.ToLower(v.Ns))
			}
		case *dns.A:
			if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
				n := strings.ToLower(v.Hdr.Name)
				addrs[n] = append(addrs[n], a)
			}
		case *dns.AAAA:
			if a, ok := netip.AddrFromSlice(v.AAAA); ok {
				n := strings.ToLower(v.Hdr.Name)
				addrs[n] = append(addrs[n], a)
			}
		}
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("hints %s: %w", file, err)
	}
	if len(ns) == 0 {
		for n := range addrs {
			ns = append(ns, n)
		}
		sort.Strings(ns)
	}
	var hints []Hint
	for _, n := range ns {
		if len(addrs[n]) > 0 {
			hints = append(hints, Hint{Name: n, Addrs: addrs[n]})
		}
	}
	if len(hints) == 0 {
		return nil, fmt.Errorf("hints %s: %w", file, ErrNoHints)
	}
	return hints, nil
}

// HintsFromAddrs makes root hints from bare addresses, as --root gives them.
// Each address is its own server, named by the address.
func HintsFromAddrs(list []string) ([]Hint, error) {
	var hints []Hint
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		a, err := netip.ParseAddr(strings.Trim(s, "[]"))
		if err != nil {
			return nil, fmt.Errorf("root address %q is not an IP address", s)
		}
		hints = append(hints, Hint{Name: a.String(), Addrs: []netip.Addr{a.Unmap()}})
	}
	if len(hints) == 0 {
		return nil, ErrNoHints
	}
	return hints, nil
}
