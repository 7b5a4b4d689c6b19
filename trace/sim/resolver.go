package sim

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Resolver is a simulated recursive resolver. It answers RD=1 queries sent
// to its address by resolving them iteratively over the universe's
// servers, with the quirks real resolvers have: asking only some of a
// zone's servers, raising TTLs to a floor, or not recursing at all. It has
// no cache, so every query sees the universe as it is.
type Resolver struct {
	Name    string
	Addr    netip.Addr
	Latency time.Duration // between the client and the resolver
	// AskOnly: at a zone cut whose servers include one of these
	// addresses, ask only those (a resolver stuck on one server, or
	// configured with stub-addr for the zone).
	AskOnly []netip.Addr
	// MinTTL raises every TTL below it (Unbound's cache-min-ttl).
	MinTTL uint32
	// NoRecursion makes it answer REFUSED with RA=0, as an
	// authoritative-only server does.
	NoRecursion bool
	// Validate makes it a validating resolver (see validate.go): AD on
	// secure answers, SERVFAIL with an extended error on bogus ones.
	Validate bool

	askOnlyNames []string // the servers at AskOnly, for Describe
}

// What a resolver's iteration costs, and where it gives up. The timeout is
// what an unanswered server costs it (resolvers start near BIND's 800 ms
// and learn; the demo takes a short one).
const (
	resolverServerTimeout = 200 * time.Millisecond
	resolverQueries       = 100 // packets per client query
	resolverReferrals     = 20  // zone cuts per name
	resolverCNAMEs        = 8
	resolverDepth         = 3 // nested lookups of name-server addresses
)

func parseResolver(a netip.Addr, name string, opts []string) (*Resolver, error) {
	r := &Resolver{Name: dns.Fqdn(name), Addr: a}
	for _, kv := range opts {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "latency":
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, err
			}
			r.Latency = d
		case "ask-only":
			for _, s := range strings.Split(v, ",") {
				x, err := netip.ParseAddr(s)
				if err != nil {
					return nil, fmt.Errorf("ask-only: %w", err)
				}
				r.AskOnly = append(r.AskOnly, x)
			}
		case "min-ttl":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("min-ttl: %w", err)
			}
			r.MinTTL = uint32(n)
		case "recursion":
			if v != "yes" && v != "no" {
				return nil, fmt.Errorf("recursion=%q: use yes or no", v)
			}
			r.NoRecursion = v == "no"
		case "validate":
			if v != "yes" && v != "no" {
				return nil, fmt.Errorf("validate=%q: use yes or no", v)
			}
			r.Validate = v == "yes"
		default:
			return nil, fmt.Errorf("unknown resolver key %q", k)
		}
	}
	return r, nil
}

// Resolver returns the resolver at an address, or nil.
func (u *Universe) Resolver(a netip.Addr) *Resolver { return u.resolvers[a.Unmap()] }

// Resolvers lists the recursive resolvers, sorted by address.
func (u *Universe) Resolvers() []*Resolver {
	var out []*Resolver
	for _, r := range u.resolvers {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr.Less(out[j].Addr) })
	return out
}

// Describe is a one-line description of a resolver, for the demo's listing.
func (r *Resolver) Describe() string {
	var what []string
	if r.NoRecursion {
		what = append(what, "does not recurse (REFUSED, RA=0)")
	}
	if len(r.AskOnly) > 0 {
		what = append(what, "asks only "+strings.Join(r.askOnlyNames, ", ")+" where it serves the zone")
	}
	if r.MinTTL > 0 {
		what = append(what, fmt.Sprintf("raises TTLs to at least %d (cache-min-ttl)", r.MinTTL))
	}
	if r.Validate {
		what = append(what, "validates DNSSEC (AD when secure, SERVFAIL with an extended error when bogus)")
	}
	if len(what) == 0 {
		what = append(what, "an honest resolver that does not validate DNSSEC")
	}
	return fmt.Sprintf("%-16s %-28s %6s  %s", r.Addr, r.Name, strconv.Itoa(int(r.Latency.Milliseconds()))+"ms", strings.Join(what, "; "))
}

// exchangeResolver answers a query sent to a resolver: the iteration's
// simulated time is the RTT, on top of the resolver's own latency.
func (u *Universe) exchangeResolver(ctx context.Context, res *Resolver, m *dns.Msg, addr netip.Addr, transport string) (*dns.Msg, time.Duration, error) {
	r := new(dns.Msg)
	r.SetReply(m)
	r.RecursionDesired = m.RecursionDesired
	var ede *dns.EDNS0_EDE
	var spent time.Duration
	switch {
	case len(m.Question) != 1:
		r.Rcode = dns.RcodeFormatError
	case res.NoRecursion:
		r.Rcode = dns.RcodeRefused
		ede = &dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeProhibited}
	case !m.RecursionDesired:
		// No cache to answer from, and no recursion without RD.
		r.RecursionAvailable = true
		r.Rcode = dns.RcodeRefused
	default:
		r.RecursionAvailable = true
		it := &iteration{u: u, res: res}
		out := it.resolve(strings.ToLower(m.Question[0].Name), m.Question[0].Qtype, 0)
		r.Rcode, r.Answer, r.Ns, ede = out.rcode, out.answer, out.authority, out.ede
		if res.Validate && !m.CheckingDisabled {
			u.validateReply(ctx, m, r, &ede)
		}
		res.floorTTLs(r.Answer)
		res.floorTTLs(r.Ns)
		spent = it.spent
	}
	fit(m, r, transport, false)
	if opt := r.IsEdns0(); opt != nil {
		if ede != nil {
			opt.Option = append(opt.Option, ede)
		}
		if q := m.IsEdns0(); q != nil {
			for _, o := range q.Option {
				if o.Option() == dns.EDNS0NSID {
					opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID, Nsid: hex.EncodeToString([]byte(strings.TrimSuffix(res.Name, ".")))})
				}
			}
		}
	}
	rtt := res.Latency + spent
	if transport == "tcp" {
		rtt += res.Latency // the handshake
	}
	rtt, err := u.deliver(ctx, addr, m, transport, rtt)
	if err != nil {
		return nil, 0, err
	}
	return r, rtt, nil
}

// floorTTLs raises TTLs below the resolver's MinTTL; the records are
// copies, never the zone's own.
func (res *Resolver) floorTTLs(rrs []dns.RR) {
	for _, rr := range rrs {
		if h := rr.Header(); h.Ttl < res.MinTTL {
			h.Ttl = res.MinTTL
		}
	}
}

// iteration is one client query's resolution: the simulated time it took
// and the packets it sent, bounded like a real resolver's.
type iteration struct {
	u       *Universe
	res     *Resolver
	spent   time.Duration
	queries int
}

type resolution struct {
	rcode     int
	answer    []dns.RR
	authority []dns.RR
	ede       *dns.EDNS0_EDE
	cname     string // the answer ended in a CNAME to this name, to resolve from the root
}

func servfail(code uint16, text string) resolution {
	return resolution{rcode: dns.RcodeServerFailure, ede: &dns.EDNS0_EDE{InfoCode: code, ExtraText: text}}
}

// resolve answers name/qtype, following CNAMEs across zones.
func (it *iteration) resolve(name string, qtype uint16, depth int) resolution {
	var chain []dns.RR
	seen := map[string]bool{}
	for hop := 0; hop <= resolverCNAMEs; hop++ {
		if seen[name] {
			out := servfail(dns.ExtendedErrorCodeOther, "CNAME loop at "+name)
			out.answer = chain
			return out
		}
		seen[name] = true
		out := it.lookup(name, qtype, depth)
		out.answer = append(chain, out.answer...)
		if out.rcode != dns.RcodeSuccess || out.cname == "" {
			return out
		}
		chain, name = out.answer, out.cname
	}
	out := servfail(dns.ExtendedErrorCodeOther, "too many CNAMEs")
	out.answer = chain
	return out
}

// lookup follows referrals from the root to the zone that answers name.
func (it *iteration) lookup(name string, qtype uint16, depth int) resolution {
	zone := "."
	var servers []netip.Addr
	for _, h := range it.u.roots {
		servers = append(servers, h.Addrs...)
	}
	for cut := 0; cut < resolverReferrals; cut++ {
		r := it.askZone(zone, servers, name, qtype)
		if r == nil {
			return servfail(dns.ExtendedErrorCodeNoReachableAuthority, "at delegation "+zone)
		}
		if next, ns := referral(r, zone, name); next != "" {
			zone, servers = next, it.addresses(r, zone, ns, depth)
			if len(servers) == 0 {
				return servfail(dns.ExtendedErrorCodeNoReachableAuthority, "at delegation "+zone)
			}
			continue
		}
		out := resolution{rcode: r.Rcode}
		for _, rr := range r.Ns {
			if rr.Header().Rrtype == dns.TypeSOA {
				out.authority = append(out.authority, dns.Copy(rr))
			}
		}
		if r.Rcode != dns.RcodeSuccess {
			out.answer = copyRRs(r.Answer)
			return out
		}
		// Take the answer's chain of in-zone CNAMEs as far as it goes.
		cur := name
		for range resolverCNAMEs + 1 {
			var data, cn []dns.RR
			for _, rr := range r.Answer {
				h := rr.Header()
				if !strings.EqualFold(h.Name, cur) {
					continue
				}
				if h.Rrtype == qtype || qtype == dns.TypeANY {
					data = append(data, dns.Copy(rr))
				} else if h.Rrtype == dns.TypeCNAME {
					cn = append(cn, dns.Copy(rr))
				}
			}
			if len(data) > 0 {
				out.answer = append(out.answer, data...)
				out.authority = nil
				return out
			}
			if len(cn) == 0 {
				break
			}
			out.answer = append(out.answer, cn...)
			cur = strings.ToLower(cn[0].(*dns.CNAME).Target)
		}
		if cur != name && len(out.authority) == 0 {
			out.cname = cur // the target is elsewhere: start again from the root
		}
		return out
	}
	return servfail(dns.ExtendedErrorCodeOther, "too many referrals")
}

// referral returns the zone a reply delegates name to, if it is a
// referral strictly below zone, and its NS records.
func referral(r *dns.Msg, zone, name string) (string, []*dns.NS) {
	if r.Authoritative || r.Rcode != dns.RcodeSuccess || len(r.Answer) > 0 {
		return "", nil
	}
	var cut string
	var ns []*dns.NS
	for _, rr := range r.Ns {
		n, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		owner := strings.ToLower(n.Hdr.Name)
		if owner == zone || !dns.IsSubDomain(zone, owner) || !dns.IsSubDomain(owner, name) {
			continue
		}
		if cut != "" && owner != cut {
			continue
		}
		cut = owner
		ns = append(ns, n)
	}
	return cut, ns
}

// addresses of a delegation's servers: glue from within the parent's
// bailiwick, else a lookup of the server's name.
func (it *iteration) addresses(r *dns.Msg, zone string, ns []*dns.NS, depth int) []netip.Addr {
	var out []netip.Addr
	for _, n := range ns {
		target := strings.ToLower(n.Ns)
		found := false
		for _, rr := range r.Extra {
			if !strings.EqualFold(rr.Header().Name, target) || !dns.IsSubDomain(zone, target) {
				continue
			}
			switch a := rr.(type) {
			case *dns.A:
				if x, ok := netip.AddrFromSlice(a.A.To4()); ok {
					out, found = append(out, x), true
				}
			case *dns.AAAA:
				if x, ok := netip.AddrFromSlice(a.AAAA); ok {
					out, found = append(out, x.Unmap()), true
				}
			}
		}
		if found || depth >= resolverDepth {
			continue
		}
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			res := it.resolve(target, qt, depth+1)
			for _, rr := range res.answer {
				switch a := rr.(type) {
				case *dns.A:
					if x, ok := netip.AddrFromSlice(a.A.To4()); ok {
						out = append(out, x)
					}
				case *dns.AAAA:
					if x, ok := netip.AddrFromSlice(a.AAAA); ok {
						out = append(out, x.Unmap())
					}
				}
			}
		}
	}
	return out
}

// askZone asks a zone's servers one at a time, in address order (or only
// those the resolver is stuck on), until one gives a usable reply.
func (it *iteration) askZone(zone string, servers []netip.Addr, name string, qtype uint16) *dns.Msg {
	servers = append([]netip.Addr(nil), servers...)
	sort.Slice(servers, func(i, j int) bool { return servers[i].Less(servers[j]) })
	var only []netip.Addr
	for _, a := range servers {
		for _, x := range it.res.AskOnly {
			if a == x {
				only = append(only, a)
			}
		}
	}
	if len(only) > 0 {
		servers = only
	}
	for _, a := range servers {
		if r := it.ask(a, name, qtype); r != nil && usable(r, zone, name) {
			return r
		}
	}
	return nil
}

// ask sends one RD=0 query from the resolver to a server, with EDNS, once
// more without it after FORMERR or silence, and over TCP after TC=1.
// Silence costs the resolver's timeout; nothing here is lost or jittered.
func (it *iteration) ask(a netip.Addr, name string, qtype uint16) *dns.Msg {
	s := it.u.servers[a]
	if s == nil || s.Faults[FaultUnreachable] {
		return nil
	}
	for _, edns := range []bool{true, false} {
		if it.queries >= resolverQueries {
			return nil
		}
		it.queries++
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.RecursionDesired = false
		if edns {
			m.SetEdns0(1232, false)
		}
		if s.Faults[FaultDrop] || s.Faults[FaultDropEDNS] && edns {
			it.spent += resolverServerTimeout
			continue
		}
		it.spent += s.Latency
		r := it.u.answer(s, m, "udp", edns)
		if r.Truncated {
			if s.Faults[FaultTCPDrop] {
				it.spent += resolverServerTimeout
				return nil
			}
			it.spent += 2 * s.Latency
			r = it.u.answer(s, m, "tcp", edns)
		}
		if r.Id != m.Id || len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, name) {
			it.spent += resolverServerTimeout - s.Latency // ignored, as if never answered
			return nil
		}
		if edns && (r.Rcode == dns.RcodeFormatError || r.Rcode == dns.RcodeNotImplemented) {
			continue
		}
		return r
	}
	return nil
}

// usable: an authoritative answer, or a referral further down. Anything
// else (REFUSED, SERVFAIL, an upward referral, an answer without AA) makes
// the resolver try the zone's next server.
func usable(r *dns.Msg, zone, name string) bool {
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		return false
	}
	if r.Authoritative {
		return true
	}
	next, _ := referral(r, zone, name)
	return next != ""
}

func copyRRs(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
	}
	return out
}
