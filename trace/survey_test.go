package trace_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// spiked adds records to the answers one server gives to NS questions.
type spiked struct {
	*sim.Universe
	server netip.Addr
	extra  []string
}

func (s spiked) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	r, rtt, err := s.Universe.Exchange(ctx, m, ap, transport)
	if err == nil && ap.Addr() == s.server && m.Question[0].Qtype == dns.TypeNS {
		for _, x := range s.extra {
			rr, perr := dns.NewRR(x)
			if perr != nil {
				panic(perr)
			}
			r.Answer = append(r.Answer, rr)
		}
	}
	return r, rtt, err
}

// A child server's NS answer may hold anything: records of other types
// are skipped (they once crashed the engine), and the NS names only the
// child lists are still found.
func TestChildNSAnswerWithOtherRecords(t *testing.T) {
	t.Parallel()
	u := small(t, "")
	cfg := cfgFor(u)
	cfg.Exchanger = spiked{u, netip.MustParseAddr("192.0.2.2"), []string{"example. 60 A 192.0.2.9", "example. 60 CNAME elsewhere.", "example. 60 NS ns2.example."}}
	cfg.Probes = true
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Fatalf("outcome %s", tr.Outcome.Rcode)
	}
	st := stepFor(t, tr, "example.")
	if len(st.ChildOnly) != 1 || st.ChildOnly[0].Name != "ns2.example." {
		t.Fatalf("child-only NS %+v, want ns2.example.", st.ChildOnly)
	}
}
