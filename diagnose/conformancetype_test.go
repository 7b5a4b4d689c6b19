package diagnose_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

func TestQueryTypeFailure(t *testing.T) { runFixtures(t, "query-type-failure") }

// udpDropper stays silent to one type over UDP at one address, as a
// middlebox that filters AAAA over UDP only would; TCP gets through.
type udpDropper struct {
	*sim.Universe
	addr  netip.Addr
	qtype uint16
}

func (d udpDropper) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	if ap.Addr() == d.addr && transport == "udp" && len(m.Question) == 1 && m.Question[0].Qtype == d.qtype {
		<-ctx.Done()
		return nil, 0, trace.ErrTimeout
	}
	return d.Universe.Exchange(ctx, m, ap, transport)
}

// A type silent over UDP every time but answered over TCP still fails
// for resolvers, which ask over UDP and do not turn to TCP after a
// timeout: a warning, not an error, and the explanation says why.
func TestQueryTypeFailureUDPOnly(t *testing.T) {
	t.Parallel()
	u := demotest.Universe(t)
	cfg := demotest.Config(u, true)
	cfg.Exchanger = udpDropper{u, netip.MustParseAddr("203.0.113.201"), dns.TypeAAAA}
	tr, err := trace.Run(context.Background(), cfg, "types.test.", dns.TypeSOA, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []diagnose.Finding
	for _, f := range diagnose.New(tr).Findings {
		if f.ID == "query-type-failure" {
			got = append(got, f)
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d query-type-failure findings, want 2 (ns1 drops AAAA everywhere, ns2 over UDP): %+v", len(got), got)
	}
	for _, f := range got {
		udpOnly := strings.Contains(f.Servers[0], "203.0.113.201")
		switch {
		case udpOnly && (f.Severity != diagnose.Warning || !strings.Contains(f.Explanation, "NOERROR over TCP") || !strings.Contains(f.Explanation, "do not turn to TCP")):
			t.Errorf("UDP-only: %s: %s", f.Severity, f.Explanation)
		case !udpOnly && f.Severity != diagnose.Error:
			t.Errorf("everywhere: %s: %s", f.Severity, f.Explanation)
		}
	}
}
