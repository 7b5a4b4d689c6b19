package lab

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// proxy stands at a server's public address and forwards to its backend,
// adding what BIND and NSD cannot do: latency, silence, FORMERR to EDNS,
// a dead TCP port, a cleared AA bit, foreign glue.
type proxy struct {
	servers []*dns.Server
	wg      sync.WaitGroup
}

func startProxy(s *Server) (*proxy, error) {
	p := &proxy{}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) { serveProxy(s, w, m) })
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

func serveProxy(s *Server, w dns.ResponseWriter, m *dns.Msg) {
	tcp := false
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		tcp = true
	}
	edns := m.IsEdns0() != nil
	f := s.Faults
	switch {
	case f[sim.FaultDrop], f[sim.FaultDropEDNS] && edns, f[sim.FaultTCPDrop] && tcp:
		return // silence
	}
	delay := s.Latency
	if tcp {
		delay *= 2
	}
	time.Sleep(delay)
	if f[sim.FaultFormErrEDNS] && edns {
		r := new(dns.Msg)
		r.SetRcode(m, dns.RcodeFormatError)
		r.Question = nil
		w.WriteMsg(r)
		return
	}
	if f[sim.FaultTruncate] && !tcp {
		r := new(dns.Msg)
		r.SetReply(m)
		r.Truncated = true
		w.WriteMsg(r)
		return
	}
	net := "udp"
	if tcp {
		net = "tcp"
	}
	c := &dns.Client{Net: net, Timeout: 4 * time.Second, UDPSize: dns.MaxMsgSize}
	r, _, err := c.Exchange(m, netip.AddrPortFrom(s.Backend, 53).String())
	if err != nil {
		return // the backend is silent: so are we
	}
	if f[sim.FaultNoAA] {
		r.Authoritative = false
	}
	if f[sim.FaultExtraGlue] && !r.Authoritative && len(r.Ns) > 0 {
		// Out of bailiwick, and on loopback where nothing listens.
		rr, _ := dns.NewRR("ns.attacker.example. 3600 IN A 127.55.113.66")
		r.Extra = append(r.Extra, rr)
	}
	if f[sim.FaultWrongID] {
		r.Id ^= 0x5a5a
	}
	w.WriteMsg(r)
}
