// Package sim is an in-memory DNS universe: servers at addresses, each
// serving zones from zone files, with faults attached per address. It
// implements trace.Exchanger, so the engine runs against it without a network.
package sim

import (
	"bufio"
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// Faults a server can have.
const (
	FaultDrop        = "drop"         // never answers
	FaultUnreachable = "unreachable"  // ICMP port unreachable
	FaultRefuse      = "refuse"       // REFUSED to everything
	FaultServFail    = "servfail"     // SERVFAIL to everything
	FaultFormErrEDNS = "formerr-edns" // FORMERR to queries with EDNS
	FaultDropEDNS    = "drop-edns"    // silent to queries with EDNS
	FaultTruncate    = "truncate"     // TC=1 to every UDP query
	FaultTCPDrop     = "tcp-drop"     // never answers over TCP
	FaultUDPDrop     = "udp-drop"     // never answers over UDP (a filter that passes only TCP)
	FaultRecursive   = "recursive"    // answers anything, RA=1, AA=0
	FaultNoAA        = "noaa"         // answers without AA
	FaultWrongID     = "wrong-id"     // replies with another message ID
	FaultWrongQ      = "wrong-question"
	FaultExtraGlue   = "extra-glue" // adds an out-of-bailiwick address to referrals
)

// Server is one simulated server address.
type Server struct {
	Name    string
	Addr    netip.Addr
	Latency time.Duration
	Faults  map[string]bool
	Zones   map[string]*Zone // origin → zone data
	// AXFR are the zones it transfers to anyone who asks (axfr=); every
	// other transfer is REFUSED, as NSD (and BIND with allow-transfer
	// { none; }) does.
	AXFR map[string]bool

	unsigned map[string]bool // signed zones served without DNSSEC (unsigned=)
	stale    map[string]bool // signed zones served with expired signatures (stale=)
}

// Universe is a set of servers reachable by address.
//
// The zero conditions are ideal: every packet arrives and every server
// answers in exactly its latency. Loss, Jitter and Deadlines make it behave
// like a real network; what happens to each packet is decided by Seed and
// the packet's place in the sequence of packets with the same server,
// question and transport, so a run is reproducible although the engine
// sends its queries concurrently.
type Universe struct {
	// Scale multiplies the latency actually slept (1 for the demo, 0 for
	// tests). The reported RTT is always the simulated one (the configured
	// latency, with jitter), so traces are deterministic.
	Scale float64

	// Loss is the probability that a UDP query or its reply is lost: the
	// exchange then waits for its context like a socket that hears
	// nothing. TCP is not lost (the kernel retransmits).
	Loss float64
	// Jitter spreads each RTT uniformly over latency × [1-Jitter, 1+Jitter].
	Jitter float64
	// Seed chooses which packets are lost and each packet's jitter.
	Seed uint64
	// Deadlines compares the simulated RTT with the context's deadline
	// even when Scale makes the wait shorter: a reply slower than the
	// time left arrives too late, and the exchange times out at the
	// deadline, as it would on a socket. (With Scale 1 this is what
	// happens anyway.)
	Deadlines bool

	servers   map[netip.Addr]*Server
	resolvers map[netip.Addr]*Resolver
	roots     []trace.Hint
	signings  []*Signing
	signedAt  time.Time // the universe's fixed clock: when it was signed
	validator Validator // what validating resolvers judge traces with

	mu          sync.Mutex
	inflight    int
	maxInflight int
	count       int
	lost        int
	sequence    map[string]uint64 // packets sent so far per server, question and transport
}

// Load reads a universe from dir in fsys: dir/servers.conf and the zone
// files under dir/zones.
//
// servers.conf has one server per line:
//
//	server ADDR NAME zones=ZONE[:FILE[+FILE...]],... [latency=30ms] [fault=F,F]
//
// FILE defaults to the zone name without its trailing dot ("root" for the
// root); with several files, RRsets of later files replace earlier ones.
//
// A recursive resolver (see Resolver) is one line:
//
//	resolver ADDR NAME [latency=5ms] [ask-only=ADDR,...] [min-ttl=SECONDS] [recursion=no] [validate=yes]
//
// A server option axfr=ZONE,... makes it transfer those zones (AXFR) to
// anyone; it refuses every other transfer.
//
// A signed zone is one line (see Signing), and a server option
// unsigned=ZONE,... serves it unsigned on that server, stale=ZONE,... with
// signatures that expired (a secondary that stopped transferring it):
//
//	dnssec ZONE [ds=yes|no|wrong|both] [sigs=...] [dnskey-signer=ksk|zsk] [digest=2|1] [nsec=yes|no]
func Load(fsys fs.FS, dir string) (*Universe, error) {
	f, err := fsys.Open(path.Join(dir, "servers.conf"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	u := &Universe{servers: map[netip.Addr]*Server{}, resolvers: map[netip.Addr]*Resolver{}}
	cache := map[string]*Zone{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if fields[0] == "dnssec" {
			sg, err := parseSigning(fields[1:])
			if err != nil {
				return nil, fmt.Errorf("servers.conf:%d: %w", line, err)
			}
			u.signings = append(u.signings, sg)
			continue
		}
		if (fields[0] != "server" && fields[0] != "resolver") || len(fields) < 3 {
			return nil, fmt.Errorf("servers.conf:%d: want a server, resolver or dnssec line (server ADDR NAME key=value, resolver ADDR NAME key=value, dnssec ZONE key=value)", line)
		}
		a, err := netip.ParseAddr(fields[1])
		if err != nil {
			return nil, fmt.Errorf("servers.conf:%d: %w", line, err)
		}
		if u.servers[a] != nil || u.resolvers[a] != nil {
			return nil, fmt.Errorf("servers.conf:%d: address %s used twice", line, a)
		}
		if fields[0] == "resolver" {
			r, err := parseResolver(a, fields[2], fields[3:])
			if err != nil {
				return nil, fmt.Errorf("servers.conf:%d: %w", line, err)
			}
			u.resolvers[a] = r
			continue
		}
		s := &Server{Name: dns.Fqdn(fields[2]), Addr: a, Faults: map[string]bool{}, Zones: map[string]*Zone{}, AXFR: map[string]bool{}}
		for _, kv := range fields[3:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "latency":
				if s.Latency, err = time.ParseDuration(v); err != nil {
					return nil, fmt.Errorf("servers.conf:%d: %w", line, err)
				}
			case "fault":
				for _, x := range strings.Split(v, ",") {
					s.Faults[x] = true
				}
			case "axfr":
				for _, x := range strings.Split(v, ",") {
					s.AXFR[dns.Fqdn(strings.ToLower(x))] = true
				}
			case "unsigned", "stale":
				set := map[string]bool{}
				for _, x := range strings.Split(v, ",") {
					set[dns.Fqdn(strings.ToLower(x))] = true
				}
				if k == "unsigned" {
					s.unsigned = set
				} else {
					s.stale = set
				}
			case "zones":
				for _, spec := range strings.Split(v, ",") {
					if spec == "" {
						continue
					}
					origin, files, _ := strings.Cut(spec, ":")
					origin = dns.Fqdn(strings.ToLower(origin))
					if files == "" {
						files = strings.TrimSuffix(origin, ".")
						if files == "" {
							files = "root"
						}
					}
					key := origin + ":" + files
					z := cache[key]
					if z == nil {
						if z, err = loadZone(fsys, dir, origin, strings.Split(files, "+")); err != nil {
							return nil, err
						}
						cache[key] = z
					}
					s.Zones[origin] = z
				}
			default:
				return nil, fmt.Errorf("servers.conf:%d: unknown key %q", line, k)
			}
		}
		u.servers[a] = s
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, r := range u.resolvers {
		for _, a := range r.AskOnly {
			s := u.servers[a]
			if s == nil {
				return nil, fmt.Errorf("servers.conf: resolver %s: ask-only=%s is no server", r.Name, a)
			}
			r.askOnlyNames = append(r.askOnlyNames, fmt.Sprintf("%s (%s)", s.Name, a))
		}
	}
	u.signedAt = time.Now()
	if err := u.signZones(u.signedAt); err != nil {
		return nil, err
	}
	u.roots = u.rootHints()
	if len(u.roots) == 0 {
		return nil, fmt.Errorf("%s: no server serves the root zone", dir)
	}
	return u, nil
}

// rootHints are the servers named in the root zone's NS set that serve
// the root zone, grouped by name.
func (u *Universe) rootHints() []trace.Hint {
	byName := map[string][]netip.Addr{}
	for _, s := range u.servers {
		z, ok := s.Zones["."]
		if !ok {
			continue
		}
		for _, rr := range z.rrsets["."][dns.TypeNS] {
			if strings.EqualFold(rr.(*dns.NS).Ns, s.Name) {
				byName[s.Name] = append(byName[s.Name], s.Addr)
			}
		}
	}
	var names []string
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	var hints []trace.Hint
	for _, n := range names {
		addrs := byName[n]
		sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
		hints = append(hints, trace.Hint{Name: n, Addrs: addrs})
	}
	return hints
}

// Roots returns the root hints of the universe.
func (u *Universe) Roots() []trace.Hint { return u.roots }

// Server returns the server at an address, or nil.
func (u *Universe) Server(a netip.Addr) *Server { return u.servers[a] }

// MaxInFlight is the largest number of queries the universe held at once.
func (u *Universe) MaxInFlight() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.maxInflight
}

// Count is the number of messages the universe received.
func (u *Universe) Count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.count
}

// Lost is the number of packets the universe lost on purpose (see Loss).
func (u *Universe) Lost() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.lost
}
