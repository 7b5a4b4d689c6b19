package sim_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// healthyNames are the demo's healthy names and zones: nothing at warning
// or above may be found in them, however the network behaves.
var healthyNames = []struct {
	name   string
	qtype  uint16
	probes bool // as ddx check does
}{
	{"www.healthy.test.", dns.TypeA, false},
	{"healthy.test.", dns.TypeSOA, true},
	{"cdn.healthy.test.", dns.TypeAAAA, false},
	{"provider.test.", dns.TypeSOA, true},
	{"10.2.0.192.in-addr.arpa.", dns.TypePTR, false},
}

// A lost packet or a jittery RTT on a healthy network must never become a
// finding at warning or above: an operator would go after a problem that
// is not there. Each seed is a different, reproducible pattern of 5% loss
// and ±30% jitter; a failure names the seed and the trace to replay.
//
// Every silence here is a lost packet: the simulated RTTs (at most a TCP
// exchange with ns2.healthy.test, 2 × 47 ms × 1.3) are well under the
// timeout, and they are reported, not slept (Scale 0) nor compared with
// the wall clock (no Deadlines): on a loaded machine (-race on 2 cores) a
// scheduler stall would otherwise turn replies into timeouts that no
// network caused. Late replies have their own test (TestLateReplyTimesOut).
// The traces run concurrently, 32 at a time: they mostly wait out lost
// packets.
func TestHealthyUnderLossAndJitter(t *testing.T) {
	t.Parallel()
	const seeds = 30
	type result struct {
		lost, sent int
		bad        []string
		err        error
	}
	results := make([][]result, seeds+1)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for seed := 1; seed <= seeds; seed++ {
		results[seed] = make([]result, len(healthyNames))
		for i, n := range healthyNames {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				u := demo(t)
				u.Loss, u.Jitter, u.Seed = 0.05, 0.3, uint64(seed)
				cfg := trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 200 * time.Millisecond, Probes: n.probes}
				tr, err := trace.Run(context.Background(), cfg, n.name, n.qtype, nil)
				res := &results[seed][i]
				res.err = err
				if err != nil {
					return
				}
				for _, f := range diagnose.New(tr).Findings {
					if f.Severity >= diagnose.Warning {
						res.bad = append(res.bad, fmt.Sprintf("    %s %s in %s (%s): %s\n      evidence: %s", f.Severity, f.ID, f.Zone, strings.Join(f.Servers, ", "), f.Summary, f.Explanation))
					}
				}
				res.lost, res.sent = u.Lost(), u.Count()
			}()
		}
	}
	wg.Wait()
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			for i, n := range healthyNames {
				res := results[seed][i]
				if res.err != nil {
					t.Errorf("%s %s: %v", n.name, dns.TypeToString[n.qtype], res.err)
					continue
				}
				if len(res.bad) > 0 {
					t.Errorf("seed %d: %s %s (Probes %v), %d of %d packets lost: %d findings at warning or above (replay: Loss 0.05, Jitter 0.3, Seed %d):\n%s",
						seed, n.name, dns.TypeToString[n.qtype], n.probes, res.lost, res.sent, len(res.bad), seed, strings.Join(res.bad, "\n"))
				}
			}
		})
	}
}
