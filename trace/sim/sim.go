// Package sim is an in-memory DNS universe: servers at addresses, each
// serving zones from zone files, with faults attached per address. It
// implements trace.Exchanger, so the engine runs against it without a network.
package sim

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"path"
	"sort"
	"strconv"
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
//	resolver ADDR NAME [latency=5ms] [ask-only=ADDR,...] [min-ttl=SECONDS] [recursion=no]
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
		s := &Server{Name: dns.Fqdn(fields[2]), Addr: a, Faults: map[string]bool{}, Zones: map[string]*Zone{}}
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
	if err := u.signZones(time.Now()); err != nil {
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

// Exchange implements trace.Exchanger.
func (u *Universe) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	u.mu.Lock()
	u.count++
	u.inflight++
	if u.inflight > u.maxInflight {
		u.maxInflight = u.inflight
	}
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		u.inflight--
		u.mu.Unlock()
	}()

	addr := ap.Addr().Unmap()
	if res := u.resolvers[addr]; res != nil {
		return u.exchangeResolver(ctx, res, m, addr, transport)
	}
	s := u.servers[addr]
	if s == nil {
		return nil, 0, fmt.Errorf("%w: no route to host %s", trace.ErrUnreachable, ap.Addr())
	}
	rtt := s.Latency
	if transport == "tcp" {
		rtt *= 2 // the handshake
	}
	edns := m.IsEdns0() != nil
	switch {
	case s.Faults[FaultUnreachable]:
		return nil, 0, fmt.Errorf("%w: connection refused (port unreachable)", trace.ErrUnreachable)
	case s.Faults[FaultDrop], s.Faults[FaultDropEDNS] && edns, s.Faults[FaultTCPDrop] && transport == "tcp", s.dropsConformance(m):
		<-ctx.Done()
		return nil, 0, fmt.Errorf("%w", trace.ErrTimeout)
	}
	rtt, err := u.deliver(ctx, addr, m, transport, rtt)
	if err != nil {
		return nil, 0, err
	}
	r := u.answer(s, m, transport, edns)
	return r, rtt, nil
}

// deliver decides the fate of one exchange (lost, or answered after rtt
// with jitter), waits as long as it takes, and returns the RTT to report.
func (u *Universe) deliver(ctx context.Context, addr netip.Addr, m *dns.Msg, transport string, rtt time.Duration) (time.Duration, error) {
	lost, jitter := u.fate(addr, m, transport)
	if lost {
		<-ctx.Done()
		return 0, fmt.Errorf("%w", trace.ErrTimeout)
	}
	rtt = time.Duration(float64(rtt) * jitter)
	if d, ok := ctx.Deadline(); ok && u.Deadlines && rtt > time.Until(d) {
		<-ctx.Done() // the reply would come after the socket gave up
		return 0, fmt.Errorf("%w", trace.ErrTimeout)
	}
	if err := u.sleep(ctx, rtt); err != nil {
		return 0, err
	}
	return rtt, nil
}

// fate says whether a packet is lost and by what factor its RTT is
// stretched. It depends only on the seed and on how many packets with the
// same server, question and transport came before, never on timing.
func (u *Universe) fate(addr netip.Addr, m *dns.Msg, transport string) (lost bool, jitter float64) {
	if u.Loss <= 0 && u.Jitter <= 0 {
		return false, 1
	}
	key := addr.String() + " " + transport
	if len(m.Question) > 0 {
		q := m.Question[0]
		key += " " + strings.ToLower(q.Name) + " " + strconv.Itoa(int(q.Qtype))
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.sequence == nil {
		u.sequence = map[string]uint64{}
	}
	n := u.sequence[key]
	u.sequence[key] = n + 1
	h := fnv.New64a()
	h.Write([]byte(key))
	rng := rand.New(rand.NewPCG(u.Seed, h.Sum64()^n*0x9e3779b97f4a7c15))
	lost = transport == "udp" && rng.Float64() < u.Loss
	jitter = 1 + u.Jitter*(2*rng.Float64()-1)
	if jitter < 0 {
		jitter = 0
	}
	if lost {
		u.lost++
	}
	return lost, jitter
}

func (u *Universe) sleep(ctx context.Context, d time.Duration) error {
	d = time.Duration(float64(d) * u.Scale)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w", trace.ErrTimeout)
	}
}

// answer builds the reply a server with its faults gives to m.
func (u *Universe) answer(s *Server, m *dns.Msg, transport string, edns bool) *dns.Msg {
	r := new(dns.Msg)
	r.SetReply(m)
	r.RecursionDesired = m.RecursionDesired
	if len(m.Question) != 1 {
		r.Rcode = dns.RcodeFormatError
		return r
	}
	q := m.Question[0]
	switch {
	case s.Faults[FaultFormErrEDNS] && edns:
		r.Rcode = dns.RcodeFormatError
		r.Question = nil
		return r
	case s.Faults[FaultRefuse]:
		r.Rcode = dns.RcodeRefused
	case s.Faults[FaultServFail]:
		r.Rcode = dns.RcodeServerFailure
	case s.Faults[FaultRecursive]:
		r.RecursionAvailable = true
		if z := u.deepestZone(q.Name); z != nil {
			z.answer(q, r)
		} else {
			r.Rcode = dns.RcodeServerFailure
		}
		r.Authoritative = false
	default:
		z := s.zoneFor(q.Name)
		if z == nil {
			r.Rcode = dns.RcodeRefused
			break
		}
		z.answer(q, r)
		if opt := m.IsEdns0(); opt != nil && opt.Do() {
			z.addDNSSEC(q, r)
		}
		if s.Faults[FaultNoAA] {
			r.Authoritative = false
		}
		if s.Faults[FaultExtraGlue] && !r.Authoritative && len(r.Ns) > 0 {
			rr, _ := dns.NewRR("ns.attacker.example. 3600 IN A 203.0.113.66")
			r.Extra = append(r.Extra, rr)
		}
	}
	if s.Faults[FaultWrongID] {
		r.Id = m.Id ^ 0x5a5a
	}
	if s.Faults[FaultWrongQ] {
		r.Question[0].Name = "wrong." + q.Name
	}
	fit(m, r, transport, s.Faults[FaultTruncate])
	s.conform(m, r)
	return r
}

// fit adds an OPT record when the query had one, and truncates a UDP
// reply that is too large for the query's buffer (or always, with tc).
func fit(m, r *dns.Msg, transport string, tc bool) {
	limit := 512
	if opt := m.IsEdns0(); opt != nil {
		if size := int(opt.UDPSize()); size > limit {
			limit = size
		}
		r.SetEdns0(1232, opt.Do())
	}
	if transport == "udp" && (tc || r.Len() > limit) {
		r.Truncated = true
		r.Answer, r.Ns = nil, nil
		r.Extra = filterOPT(r.Extra)
	}
}

func filterOPT(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			out = append(out, rr)
		}
	}
	return out
}

// zoneFor is the most specific zone the server serves that encloses name.
func (s *Server) zoneFor(name string) *Zone {
	name = strings.ToLower(name)
	var best *Zone
	for origin, z := range s.Zones {
		if dns.IsSubDomain(origin, name) && (best == nil || dns.CountLabel(origin) > dns.CountLabel(best.Origin)) {
			best = z
		}
	}
	return best
}

// deepestZone is the most specific zone any server serves for name: the
// truth a recursive server would find.
func (u *Universe) deepestZone(name string) *Zone {
	var best *Zone
	for _, s := range u.servers {
		if s.Faults[FaultRecursive] {
			continue
		}
		if z := s.zoneFor(name); z != nil && (best == nil || dns.CountLabel(z.Origin) > dns.CountLabel(best.Origin)) {
			best = z
		}
	}
	return best
}

// Addresses lists every server address, sorted.
func (u *Universe) Addresses() []netip.Addr {
	var out []netip.Addr
	for a := range u.servers {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// Describe is a one-line description of a server, for the demo's listing.
func (s *Server) Describe() string {
	var zones, faults []string
	for z := range s.Zones {
		zones = append(zones, z)
	}
	for f := range s.Faults {
		faults = append(faults, f)
	}
	sort.Strings(zones)
	sort.Strings(faults)
	d := fmt.Sprintf("%-16s %-28s %6s  %s", s.Addr, s.Name, strconv.Itoa(int(s.Latency.Milliseconds()))+"ms", strings.Join(zones, " "))
	if len(faults) > 0 {
		d += "  [" + strings.Join(faults, ",") + "]"
	}
	return d
}

// Servers lists every server, sorted by address.
func (u *Universe) Servers() []*Server {
	var out []*Server
	for _, a := range u.Addresses() {
		out = append(out, u.servers[a])
	}
	return out
}
