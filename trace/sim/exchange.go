package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

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
	case s.Faults[FaultDrop], s.Faults[FaultDropEDNS] && edns, s.Faults[FaultTCPDrop] && transport == "tcp", s.Faults[FaultUDPDrop] && transport == "udp", s.DropsConformance(m):
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
		if q.Qtype == dns.TypeDS && z != nil && z.Origin != "." && strings.EqualFold(z.Origin, q.Name) && !s.Faults[FaultDSChildSide] {
			// A server of both sides of a cut answers DS from the parent
			// (RFC 4035 §3.1.4.1): the DS RRset lives there.
			if i, end := dns.NextLabel(q.Name, 0); !end {
				if p := s.zoneFor(q.Name[i:]); p != nil {
					z = p
				}
			}
		}
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
	s.Conform(m, r)
	return r
}

// FaultDSChildSide makes a server of both sides of a cut answer the
// child's DS from the child zone (NODATA with the child's SOA), as a
// server that breaks RFC 4035 §3.1.4.1 does.
const FaultDSChildSide = "ds-child-side"

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
