package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// axfrUniverse: example. on two servers, ns1 open to transfers (axfr=),
// ns2 refusing them.
func axfrUniverse(t testing.TB) *sim.Universe {
	t.Helper()
	fsys := fstest.MapFS{
		"u/servers.conf": {Data: []byte("server 192.0.2.1 a.root. zones=.\n" +
			"server 192.0.2.2 ns1.example. zones=example. axfr=example.\n" +
			"server 203.0.113.2 ns2.example. zones=example.\n")},
		"u/zones/root.zone": {Data: []byte(`. 3600 SOA a.root. h.root. 1 7200 1800 1209600 300
. 3600 NS a.root.
a.root. 3600 A 192.0.2.1
example. 3600 NS ns1.example.
example. 3600 NS ns2.example.
ns1.example. 3600 A 192.0.2.2
ns2.example. 3600 A 203.0.113.2
`)},
		"u/zones/example.zone": {Data: []byte(exampleZone(120))},
	}
	u, err := sim.Load(fsys, "u")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// exampleZone is example. with n host names besides its servers.
func exampleZone(n int) string {
	var b strings.Builder
	b.WriteString(`example. 3600 SOA ns1.example. h.example. 2024010101 7200 1800 1209600 300
example. 3600 NS ns1.example.
example. 3600 NS ns2.example.
ns1.example. 3600 A 192.0.2.2
ns2.example. 3600 A 203.0.113.2
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "h%d.example. 300 A 192.0.2.%d\n", i, i%250+1)
	}
	return b.String()
}

func axfrQueries(t *testing.T, tr *trace.Trace) map[string]*trace.Query {
	t.Helper()
	out := map[string]*trace.Query{}
	for _, st := range tr.Steps {
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Purpose == trace.PurposeAXFR {
					if out[s.Address] != nil {
						t.Errorf("two transfers from %s", s.Address)
					}
					if st.Zone != "example." {
						t.Errorf("a transfer from a server of %s", st.Zone)
					}
					out[s.Address] = q
				}
			}
		}
	}
	return out
}

// ddx check asks every server of the checked zone for the zone: the open
// one gives all of it (several messages, the closing SOA left out), the
// other refuses; the records survive a saved trace.
func TestTransferOpenAndRefused(t *testing.T) {
	t.Parallel()
	cfg := cfgFor(axfrUniverse(t))
	cfg.Probes = true
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)
	qs := axfrQueries(t, tr)
	if len(qs) != 2 {
		t.Fatalf("%d transfers, want 2 (one per server of example.)", len(qs))
	}
	open, refused := qs["192.0.2.2"], qs["203.0.113.2"]
	x := open.Transfer
	if x == nil || x.Status != trace.TransferComplete || x.Cut != "" || !x.HasSOA || x.Serial != 2024010101 {
		t.Fatalf("open server: %+v", x)
	}
	if x.Records != 125 || len(open.Reply.Answer) != 125 || x.Messages != 3 || open.Class != trace.ClassAnswer {
		t.Errorf("open server: %d records (%d kept) in %d messages, class %s; want 125 in 3, answer", x.Records, len(open.Reply.Answer), x.Messages, open.Class)
	}
	if _, ok := open.Reply.Answer[0].(*dns.SOA); !ok {
		t.Errorf("the first record is %s, want the SOA", open.Reply.Answer[0])
	}
	if refused.Transfer.Status != trace.TransferRefused || refused.Rcode != "REFUSED" || refused.Class != trace.ClassRefused || len(refused.Attempts) != 1 {
		t.Errorf("refusing server: %+v %s %s, %d attempts", refused.Transfer, refused.Rcode, refused.Class, len(refused.Attempts))
	}

	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(tr); err != nil {
		t.Fatal(err)
	}
	back, err := trace.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	bq := axfrQueries(t, back)["192.0.2.2"]
	if bq == nil || bq.Transfer == nil || *bq.Transfer != *x || bq.Reply == nil || len(bq.Reply.Answer) != 125 {
		t.Fatalf("saved and loaded: %+v", bq)
	}
	for i, rr := range bq.Reply.Answer {
		if rr.String() != open.Reply.Answer[i].String() {
			t.Fatalf("record %d: %s, saved as %s", i, open.Reply.Answer[i], rr)
		}
	}
}

// Only ddx check transfers, and only the zone it checks.
func TestTransferOnlyForTheCheckedZone(t *testing.T) {
	t.Parallel()
	u := axfrUniverse(t)
	cfg := cfgFor(u)
	if qs := axfrQueries(t, runTrace(t, cfg, "example.", dns.TypeSOA)); len(qs) != 0 {
		t.Errorf("ddx trace transferred: %v", qs)
	}
	cfg.Probes = true
	if qs := axfrQueries(t, runTrace(t, cfg, "h1.example.", dns.TypeA)); len(qs) != 0 {
		t.Errorf("a check of h1.example. transferred example.: %v", qs)
	}
}

// A server that streams without end is cut at the record cap, by the sim
// as by a real socket below.
func TestTransferEndlessCutInSim(t *testing.T) {
	t.Parallel()
	u := axfrUniverse(t)
	u.Server(netip.MustParseAddr("192.0.2.2")).Faults[sim.FaultAXFREndless] = true
	cfg := cfgFor(u)
	cfg.Probes = true
	cfg.Budget.TransferRecords = 500
	x := axfrQueries(t, runTrace(t, cfg, "example.", dns.TypeSOA))["192.0.2.2"]
	if x.Transfer.Status != trace.TransferCut || x.Transfer.Cut != trace.CutRecords || x.Transfer.Records != 500 || len(x.Reply.Answer) != 500 {
		t.Fatalf("endless transfer: %+v", x.Transfer)
	}
}

// redirect sends queries to the universe and transfers over a real TCP
// connection to a loopback server.
type redirect struct {
	*sim.Universe
	to netip.AddrPort
}

func (r redirect) Transfer(ctx context.Context, m *dns.Msg, _ netip.AddrPort, idle time.Duration, each func(*dns.Msg, int) bool) error {
	return trace.NetExchanger{}.Transfer(ctx, m, r.to, idle, each)
}

// axfrServer serves AXFR on loopback TCP with handler; done is closed
// when the test ends, for handlers that stall.
func axfrServer(t *testing.T, handler func(w dns.ResponseWriter, m *dns.Msg, done <-chan struct{})) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, m *dns.Msg) { handler(w, m, done) })
	started := make(chan struct{})
	srv := &dns.Server{Listener: ln, Handler: mux, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { close(done); srv.Shutdown() })
	return netip.MustParseAddrPort(ln.Addr().String())
}

func soaRR() dns.RR {
	rr, _ := dns.NewRR("example. 3600 SOA ns1.example. h.example. 7 7200 1800 1209600 300")
	return rr
}

func streamMsg(m *dns.Msg, rrs ...dns.RR) *dns.Msg {
	r := new(dns.Msg)
	r.SetReply(m)
	r.Answer = rrs
	return r
}

func hostRRs(from, n int) []dns.RR {
	var out []dns.RR
	for i := from; i < from+n; i++ {
		rr, _ := dns.NewRR(fmt.Sprintf("h%d.example. 300 A 192.0.2.1", i))
		out = append(out, rr)
	}
	return out
}

// Every way a transfer over a real socket can go wrong ends within its
// bounds, recorded with a typed reason.
func TestTransferBoundsOverTCP(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 250)
	cases := []struct {
		name    string
		handler func(w dns.ResponseWriter, m *dns.Msg, done <-chan struct{})
		budget  trace.Budget
		status  trace.TransferStatus
		cut     trace.CutReason
		kind    trace.ErrorKind
		check   func(t *testing.T, x *trace.Transfer)
	}{
		{"complete", func(w dns.ResponseWriter, m *dns.Msg, _ <-chan struct{}) {
			w.WriteMsg(streamMsg(m, append([]dns.RR{soaRR()}, hostRRs(0, 10)...)...))
			w.WriteMsg(streamMsg(m, append(hostRRs(10, 10), soaRR())...))
		}, trace.Budget{}, trace.TransferComplete, "", "", func(t *testing.T, x *trace.Transfer) {
			if x.Records != 21 || x.Messages != 2 || x.Serial != 7 {
				t.Errorf("%+v, want 21 records in 2 messages, serial 7", x)
			}
		}},
		{"refused", func(w dns.ResponseWriter, m *dns.Msg, _ <-chan struct{}) {
			r := new(dns.Msg)
			r.SetRcode(m, dns.RcodeRefused)
			w.WriteMsg(r)
		}, trace.Budget{}, trace.TransferRefused, "", "", nil},
		{"endless", func(w dns.ResponseWriter, m *dns.Msg, done <-chan struct{}) {
			w.WriteMsg(streamMsg(m, soaRR()))
			for i := 0; ; i += 20 {
				if w.WriteMsg(streamMsg(m, hostRRs(i, 20)...)) != nil {
					return // ddx closed the connection
				}
			}
		}, trace.Budget{TransferRecords: 300, TransferTime: 10 * time.Second}, trace.TransferCut, trace.CutRecords, "", func(t *testing.T, x *trace.Transfer) {
			if x.Records != 300 {
				t.Errorf("%d records kept, want the cap, 300", x.Records)
			}
		}},
		{"bytes", func(w dns.ResponseWriter, m *dns.Msg, done <-chan struct{}) {
			w.WriteMsg(streamMsg(m, soaRR()))
			var rrs []dns.RR
			for j := 0; j < 100; j++ {
				rr, _ := dns.NewRR(fmt.Sprintf("t%d.example. 300 TXT %q", j, big))
				rrs = append(rrs, rr)
			}
			for {
				if w.WriteMsg(streamMsg(m, rrs...)) != nil {
					return
				}
			}
		}, trace.Budget{TransferBytes: 200000, TransferTime: 10 * time.Second}, trace.TransferCut, trace.CutBytes, "", func(t *testing.T, x *trace.Transfer) {
			if x.Bytes > 200000 || x.Bytes < 100000 {
				t.Errorf("%d bytes read, want at most the cap, 200000, and near it", x.Bytes)
			}
		}},
		{"wrong ID", func(w dns.ResponseWriter, m *dns.Msg, _ <-chan struct{}) {
			w.WriteMsg(streamMsg(m, soaRR()))
			r := streamMsg(m, hostRRs(0, 5)...)
			r.Id++
			w.WriteMsg(r)
		}, trace.Budget{}, trace.TransferFailed, "", trace.ErrKindInvalid, nil},
		{"stall", func(w dns.ResponseWriter, m *dns.Msg, done <-chan struct{}) {
			w.WriteMsg(streamMsg(m, soaRR(), hostRRs(0, 1)[0]))
			<-done
		}, trace.Budget{}, trace.TransferCut, trace.CutIdle, "", func(t *testing.T, x *trace.Transfer) {
			if x.Records != 2 {
				t.Errorf("%d records kept, want the 2 sent", x.Records)
			}
		}},
		{"trickle", func(w dns.ResponseWriter, m *dns.Msg, done <-chan struct{}) {
			w.WriteMsg(streamMsg(m, soaRR()))
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if w.WriteMsg(streamMsg(m, hostRRs(i, 1)...)) != nil {
					return
				}
			}
		}, trace.Budget{TransferTime: 300 * time.Millisecond}, trace.TransferCut, trace.CutTime, "", nil},
		{"silent", func(w dns.ResponseWriter, m *dns.Msg, done <-chan struct{}) { <-done },
			trace.Budget{}, trace.TransferFailed, "", trace.ErrKindTimeout, nil},
		{"closed early", func(w dns.ResponseWriter, m *dns.Msg, _ <-chan struct{}) {
			w.WriteMsg(streamMsg(m, append([]dns.RR{soaRR()}, hostRRs(0, 5)...)...))
			w.Close()
		}, trace.Budget{}, trace.TransferFailed, "", trace.ErrKindTCP, nil},
		{"not SOA first", func(w dns.ResponseWriter, m *dns.Msg, _ <-chan struct{}) {
			w.WriteMsg(streamMsg(m, hostRRs(0, 5)...))
		}, trace.Budget{}, trace.TransferFailed, "", trace.ErrKindInvalid, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			to := axfrServer(t, c.handler)
			u := axfrUniverse(t)
			cfg := cfgFor(u)
			cfg.Exchanger = redirect{u, to}
			cfg.Probes = true
			cfg.Budget = c.budget
			// A real socket on a loaded machine (-race, parallel packages)
			// can pause longer than the simulation's 50 ms: the idle cut
			// (2 × tries × timeout) is 800 ms here, the time cut 1.6 s.
			cfg.Timeout = 200 * time.Millisecond
			start := time.Now()
			qs := axfrQueries(t, runTrace(t, cfg, "example.", dns.TypeSOA))
			if took := time.Since(start); took > 8*time.Second { // never hangs
				t.Errorf("the check took %s", took)
			}
			if len(qs) != 2 {
				t.Fatalf("%d transfers, want 2", len(qs))
			}
			for addr, q := range qs {
				x := q.Transfer
				if x.Status != c.status || x.Cut != c.cut || q.ErrorKind != c.kind {
					t.Errorf("%s: %+v, error kind %q (%s); want %s %q %q", addr, x, q.ErrorKind, q.Error, c.status, c.cut, c.kind)
				}
				if x.Status == trace.TransferCut && x.Note == "" {
					t.Errorf("%s: a cut with no note", addr)
				}
				if c.check != nil {
					c.check(t, x)
				}
			}
		})
	}
}
