package lab

import (
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// proxy stands at a server's public address and forwards to its backend,
// adding what BIND and NSD cannot do: latency, silence (to everything,
// to UDP or TCP only, to EDNS, to an EDNS option, to one query type, to
// a mixed-case name), FORMERR to EDNS, a cleared AA bit, foreign glue,
// the conformance faults of trace/sim (an EDNS version answered as 0,
// options and flags echoed, one query type failed, the question
// lowercased), and the lab's Conditions (loss and jitter). The faults are
// the sim's, from the same servers.conf options.
type proxy struct {
	servers []*dns.Server
	wg      sync.WaitGroup
}

// Conditions are the network between ddx and every lab server, as the
// proxies make it: Loss is the chance that a UDP exchange is lost (half
// of the lost ones are queries the server never sees, half are replies
// it sent); Jitter spreads each server's latency uniformly over
// latency × [1-Jitter, 1+Jitter]. Seed chooses which packets are lost and
// each packet's jitter: the n-th packet with the same server, transport
// and question meets the same fate in every run with the same seed,
// whatever the order packets arrive in (as trace/sim does). TCP is never
// lost: the kernel retransmits.
type Conditions struct {
	Loss, Jitter float64
	Seed         uint64
}

// conditions is what every proxy applies, with its own packet counters.
type conditions struct {
	Conditions
	mu   sync.Mutex
	seen map[string]uint64
	lost atomic.Int64
}

// fate decides whether the exchange is lost (and where) and how much its
// latency is stretched.
func (c *conditions) fate(s *Server, m *dns.Msg, tcp bool) (dropQuery, dropReply bool, stretch float64) {
	if c == nil || (c.Loss <= 0 && c.Jitter <= 0) {
		return false, false, 1
	}
	key := s.Public.String() + " udp"
	if tcp {
		key = s.Public.String() + " tcp"
	}
	if len(m.Question) > 0 {
		q := m.Question[0]
		key += " " + strings.ToLower(q.Name) + " " + strconv.Itoa(int(q.Qtype))
	}
	c.mu.Lock()
	n := c.seen[key]
	c.seen[key] = n + 1
	c.mu.Unlock()
	h := fnv.New64a()
	h.Write([]byte(key))
	rng := rand.New(rand.NewPCG(c.Seed, h.Sum64()^n*0x9e3779b97f4a7c15))
	lost := !tcp && rng.Float64() < c.Loss
	stretch = 1 + c.Jitter*(2*rng.Float64()-1)
	if stretch < 0 {
		stretch = 0
	}
	if lost {
		c.lost.Add(1)
		if rng.IntN(2) == 0 {
			return true, false, stretch
		}
		return false, true, stretch
	}
	return false, false, stretch
}

// SetConditions makes every proxy apply c from now on (the zero value:
// a perfect network). It returns a function that counts the exchanges
// lost under c so far.
func (l *Lab) SetConditions(c Conditions) (lost func() int64) {
	cs := &conditions{Conditions: c, seen: map[string]uint64{}}
	l.cond.Store(cs)
	return func() int64 { return cs.lost.Load() }
}

func startProxy(s *Server, cond *atomic.Pointer[conditions]) (*proxy, error) {
	p := &proxy{}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) { serveProxy(s, cond.Load(), w, m) })
	pc, err := net.ListenPacket("udp", netip.AddrPortFrom(s.Public, 53).String())
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(s.Public, 53).String())
	if err != nil {
		pc.Close()
		return nil, err
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h, IdleTimeout: func() time.Duration { return 5 * time.Second }}} {
		srv := srv
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		p.servers = append(p.servers, srv)
		p.wg.Add(1)
		go func() { defer p.wg.Done(); srv.ActivateAndServe() }()
		<-started
	}
	return p, nil
}

func (p *proxy) close() {
	for _, s := range p.servers {
		s.Shutdown()
	}
	p.wg.Wait()
}

func serveProxy(s *Server, cond *conditions, w dns.ResponseWriter, m *dns.Msg) {
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	edns := m.IsEdns0() != nil
	f := s.Faults
	switch {
	case f[sim.FaultDrop], f[sim.FaultDropEDNS] && edns, f[sim.FaultTCPDrop] && tcp, f[sim.FaultUDPDrop] && !tcp, s.DropsConformance(m):
		return // silence
	}
	dropQuery, dropReply, stretch := cond.fate(s, m, tcp)
	if dropQuery {
		return // lost on the way to the server
	}
	delay := time.Duration(float64(s.Latency) * stretch)
	if tcp {
		delay *= 2 // the handshake costs a round trip too
	}
	time.Sleep(delay)
	if tcp && len(m.Question) == 1 && m.Question[0].Qtype == dns.TypeAXFR {
		relayTransfer(s, w, m)
		return
	}
	r := answer(s, m, tcp, edns)
	if r == nil || dropReply {
		return // the backend is silent, or its reply was lost
	}
	w.WriteMsg(r)
}

// answer is the reply of the server behind the proxy, with the server's
// faults applied, or nil when the backend is silent.
func answer(s *Server, m *dns.Msg, tcp, edns bool) *dns.Msg {
	f := s.Faults
	if f[sim.FaultFormErrEDNS] && edns {
		r := new(dns.Msg)
		r.SetRcode(m, dns.RcodeFormatError)
		r.Question = nil
		return r
	}
	if f[sim.FaultTruncate] && !tcp {
		r := new(dns.Msg)
		r.SetReply(m)
		r.Truncated = true
		return r
	}
	transport := "udp"
	if tcp {
		transport = "tcp"
	}
	fwd := m
	if opt := m.IsEdns0(); opt != nil && opt.Version() != 0 && f[sim.FaultNoBadVers] {
		// The backend would say BADVERS: it is asked version 0.
		fwd = m.Copy()
		fwd.IsEdns0().SetVersion(0)
	}
	c := &dns.Client{Net: transport, Timeout: 4 * time.Second, UDPSize: dns.MaxMsgSize}
	r, _, err := c.Exchange(fwd, netip.AddrPortFrom(s.Backend, 53).String())
	if err != nil {
		return nil
	}
	if f[sim.FaultNoAA] {
		r.Authoritative = false
	}
	s.Conform(m, r)
	if f[sim.FaultExtraGlue] && !r.Authoritative && len(r.Ns) > 0 {
		// Out of bailiwick, and on loopback where nothing listens.
		rr, _ := dns.NewRR("ns.attacker.example. 3600 IN A 127.55.113.66")
		r.Extra = append(r.Extra, rr)
	}
	if f[sim.FaultWrongID] {
		r.Id ^= 0x5a5a
	}
	return r
}
