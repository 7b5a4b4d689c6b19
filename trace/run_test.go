package trace_test

import (
	"context"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestBudgets(t *testing.T) {
	t.Parallel()
	u := demo(t)
	cases := []struct {
		name   string
		qname  string
		budget trace.Budget
		want   trace.BudgetName
	}{
		{"queries", "www.healthy.test", trace.Budget{Queries: 10}, "queries"},
		{"cname hops", "www.chain.test", trace.Budget{CNAMEHops: 1}, "cname-hops"},
		{"glueless depth", "www.deep.test", trace.Budget{GluelessDepth: 1}, "glueless-depth"},
		{"ns per zone", "www.many.test", trace.Budget{NSPerZone: 3}, "ns-per-zone"},
		{"steps", "www.healthy.test", trace.Budget{Steps: 2}, "steps"},
		{"deadline", "www.dead.test", trace.Budget{Deadline: 30 * time.Millisecond}, "deadline"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := cfgFor(u)
			cfg.Budget = c.budget
			tr := runTrace(t, cfg, c.qname, dns.TypeA)
			found := false
			for _, l := range tr.Limits {
				found = found || l.Budget == c.want
			}
			if !found {
				t.Errorf("limits %+v, want %s", tr.Limits, c.want)
			}
			if c.budget.Queries > 0 && tr.Stats.Attempts > c.budget.Queries {
				t.Errorf("%d packets sent, budget %d", tr.Stats.Attempts, c.budget.Queries)
			}
		})
	}
}

func TestEventsDescribeTheRun(t *testing.T) {
	t.Parallel()
	events := make(chan trace.Event, 16)
	done := make(chan *trace.Trace)
	go func() {
		tr, _ := trace.Run(context.Background(), cfgFor(demo(t)), "www.healthy.test", dns.TypeA, events)
		done <- tr
	}()
	steps, queries, results := 0, 0, 0
	for ev := range events {
		switch ev.Kind {
		case trace.EvStepStarted:
			steps++
		case trace.EvQueryDone:
			queries++
		case trace.EvResult:
			results++
		}
	}
	tr := <-done
	if steps != len(tr.Steps) || queries != tr.Stats.Queries || results == 0 {
		t.Errorf("events: %d steps, %d queries, %d results; trace has %d steps, %d queries", steps, queries, results, len(tr.Steps), tr.Stats.Queries)
	}
}

func TestCancelStopsPromptlyWithoutLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	cfg := cfgFor(demo(t))
	cfg.Timeout = 10 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, err := trace.Run(ctx, cfg, "www.dead.test", dns.TypeA, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled run took %s", d)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left after cancel, %d before", n, before)
	}
}

// A run stopped by its query budget or deadline is INCOMPLETE, not
// SERVFAIL: it names the budget, and marks the steps it cut short.
func TestBudgetsAreNotOutages(t *testing.T) {
	t.Parallel()
	u := demo(t)
	for _, c := range []struct {
		name   string
		qname  string
		budget trace.Budget
		want   trace.BudgetName
	}{
		// Four packets cannot reach healthy.test. (three root addresses, four
		// of test.): with ten, the answer could come before the survey used
		// them up, as the order of sending allows.
		{"queries", "www.healthy.test", trace.Budget{Queries: 4}, trace.BudgetQueries},
		{"deadline", "www.dead.test", trace.Budget{Deadline: 30 * time.Millisecond}, trace.BudgetDeadline},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := cfgFor(u)
			cfg.Budget = c.budget
			tr := runTrace(t, cfg, c.qname, dns.TypeA)
			if tr.Outcome.Rcode != trace.RcodeIncomplete || !strings.Contains(tr.Outcome.Explanation, "incomplete") {
				t.Errorf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
			}
			marked := false
			for _, st := range tr.Steps {
				marked = marked || st.Incomplete == c.want
				for _, r := range st.Results {
					if r.Kind == trace.KindFailed && r.Incomplete == "" {
						t.Errorf("step %d (%s) failed without naming the budget: %s", st.ID, st.Zone, r.Why)
					}
				}
			}
			if !marked {
				t.Errorf("no step is marked incomplete by %s", c.want)
			}
		})
	}
}

// The NS names only the child publishes count against the same
// per-delegation budget as the glueless ones of the delegation.
func TestChildOnlyNSRespectsTheBudget(t *testing.T) {
	t.Parallel()
	u := small(t, "")
	cfg := cfgFor(u)
	cfg.Exchanger = spiked{u, netip.MustParseAddr("192.0.2.2"), []string{"example. 60 NS ns2.example.", "example. 60 NS ns3.example.", "example. 60 NS ns4.example."}}
	cfg.Probes = true
	cfg.Budget.NSResolved = 2
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)
	st := stepFor(t, tr, "example.")
	resolved, refused := 0, 0
	for _, h := range st.ChildOnly {
		if h.Failure == trace.NSFailBudget {
			refused++
		} else {
			resolved++
		}
	}
	if len(st.ChildOnly) != 3 || resolved != 2 || refused != 1 {
		t.Errorf("child-only NS %+v: want 2 resolved, 1 refused by the budget", st.ChildOnly)
	}
}
