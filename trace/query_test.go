package trace_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

func TestRetriesAndFallbacks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault      string
		wantRcode  string
		wantSteps  []string // transport/edns/outcome of each attempt
		wantErrKnd trace.ErrorKind
	}{
		{"truncate", trace.RcodeNoError, []string{"udp edns NOERROR tc", "tcp edns NOERROR"}, ""},
		{"truncate,tcp-drop", trace.RcodeServFail, []string{"udp edns NOERROR tc", "tcp edns timeout"}, "tcp"},
		{"formerr-edns", trace.RcodeNoError, []string{"udp edns FORMERR", "udp no-edns NOERROR"}, ""},
		{"drop-edns", trace.RcodeNoError, []string{"udp edns timeout", "udp no-edns NOERROR", "udp edns timeout", "udp edns timeout"}, ""},
		{"drop", trace.RcodeServFail, []string{"udp edns timeout", "udp no-edns timeout"}, "timeout"},
		{"unreachable", trace.RcodeServFail, []string{"udp edns unreachable"}, "unreachable"},
		{"wrong-id", trace.RcodeServFail, []string{"udp edns id-mismatch", "udp edns id-mismatch"}, "id-mismatch"},
		{"wrong-question", trace.RcodeServFail, []string{"udp edns invalid", "udp edns invalid"}, "invalid"},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			tr := runTrace(t, cfgFor(small(t, c.fault)), "www.example", dns.TypeA)
			if tr.Outcome.Rcode != c.wantRcode {
				t.Errorf("outcome %s, want %s", tr.Outcome.Rcode, c.wantRcode)
			}
			q := mainQuery(t, tr, "example.")
			var got []string
			for _, a := range q.Attempts {
				edns := "edns"
				if !a.EDNS {
					edns = "no-edns"
				}
				what := a.Rcode
				if a.ErrorKind != "" {
					what = string(a.ErrorKind)
					if a.Transport == "tcp" {
						what = "timeout"
					}
				}
				s := a.Transport + " " + edns + " " + what
				if a.TC {
					s += " tc"
				}
				got = append(got, s)
			}
			if strings.Join(got, "; ") != strings.Join(c.wantSteps, "; ") {
				t.Errorf("attempts\n got %v\nwant %v", got, c.wantSteps)
			}
			if q.ErrorKind != c.wantErrKnd {
				t.Errorf("error kind %q, want %q", q.ErrorKind, c.wantErrKnd)
			}
		})
	}
}

// netFake answers from a universe, but one server's packets take real time
// (or are lost), decided per packet by fate.
type netFake struct {
	*sim.Universe
	server netip.Addr
	fate   func(m *dns.Msg, transport string, nth int) (delay time.Duration, lost bool)

	mu   sync.Mutex
	seen map[string]int // packets so far per question, transport and EDNS
}

func (f *netFake) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	if ap.Addr() != f.server {
		return f.Universe.Exchange(ctx, m, ap, transport)
	}
	key := fmt.Sprintf("%s %d %s %v", m.Question[0].Name, m.Question[0].Qtype, transport, m.IsEdns0() != nil)
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[key]++
	nth := f.seen[key]
	f.mu.Unlock()
	delay, lost := f.fate(m, transport, nth)
	if lost {
		<-ctx.Done()
		return nil, 0, trace.ErrTimeout
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, 0, trace.ErrTimeout
	}
	r, _, err := f.Universe.Exchange(ctx, m, ap, transport)
	return r, delay, err
}

func isMain(m *dns.Msg) bool {
	return m.Question[0].Name == "www.example." && m.Question[0].Qtype == dns.TypeA
}

// A server slower than the timeout is slow, not dead: the reply to try 1
// that arrives while try 2 is out is the query's answer.
func TestSlowServerIsNotDead(t *testing.T) {
	t.Parallel()
	u := small(t, "")
	cfg := cfgFor(u)
	cfg.Timeout, cfg.Tries = 100*time.Millisecond, 2
	cfg.Exchanger = &netFake{Universe: u, server: netip.MustParseAddr("192.0.2.2"),
		fate: func(*dns.Msg, string, int) (time.Duration, bool) { return 150 * time.Millisecond, false }}
	tr := runTrace(t, cfg, "www.example", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
	q := mainQuery(t, tr, "example.")
	if !q.OK() || !q.Late || !q.EDNS || q.RTTms < 150 || q.Attempts[0].Rcode != "NOERROR" {
		t.Errorf("query: ok %v late %v edns %v rtt %.0f, attempts %+v", q.OK(), q.Late, q.EDNS, q.RTTms, q.Attempts)
	}
	for _, a := range q.Attempts[1:] {
		if a.ErrorKind == trace.ErrKindTimeout {
			t.Errorf("try %d recorded as a timeout: %s", a.Try, a.Error)
		}
	}
}

// One lost packet is not an EDNS bug: when only the try without EDNS was
// answered, EDNS is asked once more, and its answer is the result.
func TestLostPacketIsNotAnEDNSBug(t *testing.T) {
	t.Parallel()
	u := small(t, "")
	cfg := cfgFor(u)
	cfg.Timeout, cfg.Tries = 100*time.Millisecond, 2
	cfg.Exchanger = &netFake{Universe: u, server: netip.MustParseAddr("192.0.2.2"),
		fate: func(m *dns.Msg, transport string, nth int) (time.Duration, bool) {
			return 0, isMain(m) && m.IsEdns0() != nil && nth == 1
		}}
	tr := runTrace(t, cfg, "www.example", dns.TypeA)
	q := mainQuery(t, tr, "example.")
	if !q.OK() || !q.EDNS || q.EDNSBroken || tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s; query ok %v edns %v broken %v", tr.Outcome.Rcode, q.OK(), q.EDNS, q.EDNSBroken)
	}
	var kinds []trace.ChangeKind
	for _, a := range q.Attempts {
		kinds = append(kinds, a.Retry)
	}
	if len(kinds) != 3 || kinds[1] != trace.ChangeNoEDNSAfterSilence || kinds[2] != trace.ChangeConfirmEDNS {
		t.Errorf("changes %v", kinds)
	}
}

// A server that drops every EDNS query is EDNS-broken: the confirming
// query fails too. One that answers FORMERR without OPT does not do EDNS,
// as RFC 6891 §7 allows.
func TestEDNSVerdicts(t *testing.T) {
	t.Parallel()
	for fault, want := range map[string][2]bool{"drop-edns": {true, false}, "formerr-edns": {false, true}, "": {false, false}} {
		tr := runTrace(t, cfgFor(small(t, fault)), "www.example", dns.TypeA)
		q := mainQuery(t, tr, "example.")
		if q.EDNSBroken != want[0] || q.EDNSUnsupported != want[1] || !q.OK() {
			t.Errorf("%q: broken %v unsupported %v ok %v, want %v", fault, q.EDNSBroken, q.EDNSUnsupported, q.OK(), want)
		}
	}
}

// A query ddx stops waiting for is abandoned, not a server fault, over
// TCP too.
func TestAbandonedTCPIsNotATCPFailure(t *testing.T) {
	t.Parallel()
	u := small(t, "truncate")
	cfg := cfgFor(u)
	cfg.Timeout = 2 * time.Second
	cfg.Budget.Deadline = 300 * time.Millisecond
	cfg.Exchanger = &netFake{Universe: u, server: netip.MustParseAddr("192.0.2.2"),
		fate: func(m *dns.Msg, transport string, nth int) (time.Duration, bool) {
			if transport == "tcp" {
				return 10 * time.Second, false
			}
			return 0, false
		}}
	tr := runTrace(t, cfg, "www.example", dns.TypeA)
	q := mainQuery(t, tr, "example.")
	if q.ErrorKind != trace.ErrKindAbandoned {
		t.Errorf("error kind %q (%s), want abandoned", q.ErrorKind, q.Error)
	}
}

// Replies with another ID are named as such, in dig's words; a truncated
// reply over TCP is not an answer.
func TestInvalidRepliesAreNamed(t *testing.T) {
	t.Parallel()
	tr := runTrace(t, cfgFor(small(t, "wrong-id")), "www.example", dns.TypeA)
	if q := mainQuery(t, tr, "example."); q.ErrorKind != trace.ErrKindIDMismatch || !strings.HasPrefix(q.Error, "ID mismatch: expected ") {
		t.Errorf("wrong ID: %s %q", q.ErrorKind, q.Error)
	}
	u := small(t, "truncate")
	cfg := cfgFor(u)
	cfg.Exchanger = tcToo{u}
	tr = runTrace(t, cfg, "www.example", dns.TypeA)
	q := mainQuery(t, tr, "example.")
	last := q.Attempts[len(q.Attempts)-1]
	if q.OK() || last.Transport != "tcp" || last.ErrorKind != trace.ErrKindInvalid || last.Error != "truncated reply over TCP" {
		t.Errorf("TC over TCP: ok %v, last attempt %+v", q.OK(), last)
	}
}

// tcToo sets TC on every reply of 192.0.2.2, over TCP as well.
type tcToo struct{ *sim.Universe }

func (x tcToo) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	r, rtt, err := x.Universe.Exchange(ctx, m, ap, transport)
	if r != nil && ap.Addr() == netip.MustParseAddr("192.0.2.2") {
		r.Truncated = true
	}
	return r, rtt, err
}
