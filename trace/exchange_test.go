package trace_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// authority answers like a server that is authoritative for everything:
// www.example. has an A record, big.example. a TXT set too large for UDP.
func authority(w dns.ResponseWriter, m *dns.Msg) {
	r := new(dns.Msg)
	r.SetReply(m)
	r.Authoritative = true
	q := m.Question[0]
	switch {
	case q.Name == "www.example." && q.Qtype == dns.TypeA:
		rr, _ := dns.NewRR("www.example. 300 IN A 192.0.2.80")
		r.Answer = append(r.Answer, rr)
	case q.Name == "big.example." && q.Qtype == dns.TypeTXT:
		for i := 0; i < 20; i++ {
			rr, _ := dns.NewRR("big.example. 300 IN TXT \"" + strings.Repeat("x", 200) + "\"")
			r.Answer = append(r.Answer, rr)
		}
	default:
		rr, _ := dns.NewRR(". 300 IN SOA a. b. 1 2 3 4 5")
		r.Ns = append(r.Ns, rr)
		r.Rcode = dns.RcodeNameError
	}
	if opt := m.IsEdns0(); opt != nil {
		r.SetEdns0(1232, false)
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		r.Truncate(512)
		if opt := m.IsEdns0(); opt != nil {
			r.Truncate(int(opt.UDPSize()))
		}
	}
	w.WriteMsg(r)
}

// serve starts UDP and TCP servers on one loopback port, each with its own
// mux, and stops them when the test ends.
func serve(t *testing.T, h dns.HandlerFunc) uint16 {
	t.Helper()
	// The UDP port the kernel picks may be taken over TCP (by another
	// test's connection): pick again.
	var pc net.PacketConn
	var ln net.Listener
	for try := 0; ; try++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if try == 20 {
			t.Fatal(err)
		}
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	for _, srv := range []*dns.Server{{PacketConn: pc}, {Listener: ln}} {
		mux := dns.NewServeMux()
		mux.Handle(".", h)
		srv.Handler = mux
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return uint16(port)
}

func loopbackCfg(port uint16) trace.Config {
	return trace.Config{
		Roots:   []trace.Hint{{Name: "localhost.", Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}},
		Port:    port,
		Timeout: 2 * time.Second, // well above a loaded machine's delays under -race
	}
}

func TestRealSocketsUDPAndTCP(t *testing.T) {
	t.Parallel()
	port := serve(t, authority)
	tr := runTrace(t, loopbackCfg(port), "www.example", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError || tr.Stats.Queries == 0 {
		t.Fatalf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
	q := mainQuery(t, tr, ".")
	if q.Transport != "udp" || !q.EDNS || q.RTTms <= 0 {
		t.Errorf("query %+v", q)
	}

	tr = runTrace(t, loopbackCfg(port), "big.example", dns.TypeTXT)
	q = mainQuery(t, tr, ".")
	if tr.Outcome.Rcode != trace.RcodeNoError || q.Transport != "tcp" || len(q.Attempts) != 2 || !q.Attempts[0].TC {
		t.Errorf("big answer: outcome %s, transport %s, attempts %d", tr.Outcome.Rcode, q.Transport, len(q.Attempts))
	}
}

func TestRealSocketsSilentAndClosed(t *testing.T) {
	t.Parallel()
	// A socket that reads and never answers.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	silent := uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	cfg := loopbackCfg(silent)
	cfg.Timeout = 300 * time.Millisecond // nothing comes: no need to wait long
	tr := runTrace(t, cfg, "www.example", dns.TypeA)
	if q := mainQuery(t, tr, "."); q.ErrorKind != "timeout" || tr.Outcome.Rcode != trace.RcodeServFail {
		t.Errorf("silent server: %s %s", q.ErrorKind, tr.Outcome.Rcode)
	}

	// A port nobody listens on: ICMP port unreachable on loopback.
	closed, _ := net.ListenPacket("udp", "127.0.0.1:0")
	port := uint16(closed.LocalAddr().(*net.UDPAddr).Port)
	closed.Close()
	tr = runTrace(t, loopbackCfg(port), "www.example", dns.TypeA)
	if q := mainQuery(t, tr, "."); q.ErrorKind != "unreachable" {
		t.Errorf("closed port: error kind %q (%s)", q.ErrorKind, q.Error)
	}
}

func TestParseHints(t *testing.T) {
	t.Parallel()
	hints, err := trace.ParseHints(strings.NewReader(`
.                        3600000      NS    A.ROOT-SERVERS.NET.
A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4
A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30
.                        3600000      NS    B.ROOT-SERVERS.NET.
B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2
`), "named.root")
	if err != nil {
		t.Fatal(err)
	}
	if len(hints) != 2 || hints[0].Name != "a.root-servers.net." || len(hints[0].Addrs) != 2 {
		t.Errorf("hints %+v", hints)
	}
	if _, err := trace.ParseHints(strings.NewReader("garbage here\n"), "bad"); err == nil {
		t.Error("garbage parsed")
	}
	if got := trace.RootHints(); len(got) != 13 {
		t.Errorf("%d built-in roots", len(got))
	}
	if _, err := trace.HintsFromAddrs([]string{"not-an-ip"}); err == nil {
		t.Error("bad --root accepted")
	}
	_ = context.Background
}

// A cancelled exchange on a real socket must end at once, not at its
// deadline: the engine cancels stragglers.
func TestNetExchangerHonoursCancel(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	ap := netip.MustParseAddrPort(pc.LocalAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	time.AfterFunc(100*time.Millisecond, cancel)
	m := new(dns.Msg)
	m.SetQuestion("example.", dns.TypeA)
	start := time.Now()
	if _, _, err := (trace.NetExchanger{}).Exchange(ctx, m, ap, "udp"); err == nil {
		t.Fatal("no error from a silent server")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelled exchange took %s", d)
	}
}

// Over real UDP, a reply with another ID is skipped while the right one
// may still come (miekg/dns does that silently); when none comes, the
// attempt says ID mismatch, not "no reply".
func TestRealSocketsIDMismatch(t *testing.T) {
	t.Parallel()
	for _, alsoRight := range []bool{false, true} {
		port := serve(t, func(w dns.ResponseWriter, m *dns.Msg) {
			r := new(dns.Msg)
			r.SetReply(m)
			r.Id = m.Id + 1
			w.WriteMsg(r)
			if alsoRight {
				r.Id = m.Id
				w.WriteMsg(r)
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		m := new(dns.Msg)
		m.SetQuestion("www.example.", dns.TypeA)
		r, _, err := trace.NetExchanger{}.Exchange(ctx, m, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), "udp")
		cancel()
		switch {
		case alsoRight && (err != nil || r == nil || r.Id != m.Id):
			t.Errorf("right reply after a wrong one: %v", err)
		case !alsoRight && (!errors.Is(err, trace.ErrIDMismatch) || !strings.Contains(err.Error(), "expected")):
			t.Errorf("only a wrong ID: error %v, want ID mismatch", err)
		}
	}
}
