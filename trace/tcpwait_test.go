package trace_test

import (
	"testing"
	"time"

	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// A server slower than one timeout answers the TCP probe: TCP gets the
// UDP tries' patience twice over (a handshake and a query), so slow is
// not reported as broken over TCP. ns1.slow.test takes 900 ms.
func TestTCPProbeWaitsForASlowServer(t *testing.T) {
	t.Parallel()
	u := demotest.Universe(t)
	u.Deadlines = true // a reply later than the attempt's deadline is lost
	cfg := demotest.Config(u, true)
	cfg.Timeout, cfg.Tries = 500*time.Millisecond, 2
	tr := runTrace(t, cfg, "slow.test", dns.TypeSOA)
	for _, st := range tr.Steps {
		for _, s := range st.Servers {
			if s.Address != "192.0.2.85" {
				continue
			}
			for _, q := range s.Queries {
				if q.Purpose == trace.PurposeTCP && !q.OK() {
					t.Errorf("the TCP probe to the 900 ms server failed: %s", q.Error)
				}
			}
		}
	}
}
