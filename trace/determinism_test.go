package trace_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// shuffled answers from a universe after a random real delay, so replies
// arrive in a different order on every run.
type shuffled struct{ *sim.Universe }

func (s shuffled) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	t := time.NewTimer(time.Duration(rand.IntN(3000)) * time.Microsecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, 0, trace.ErrTimeout
	}
	return s.Universe.Exchange(ctx, m, ap, transport)
}

// shape describes a trace without its IDs or timing: each step by its
// lookup and path of zones, its servers with the questions each was
// asked, and its results.
func shape(tr *trace.Trace) string {
	path := func(st *trace.Step) string {
		var zones []string
		for s := st; s != nil; s = tr.StepByID(s.Parent) {
			zones = append([]string{s.Zone}, zones...)
		}
		return strings.Join(zones, ">")
	}
	var lookup func(id int) string
	lookup = func(id int) string {
		l := tr.LookupByID(id)
		if l == nil {
			return ""
		}
		from := ""
		if st := tr.StepByID(l.FromStep); st != nil {
			from = "@" + lookup(st.Lookup) + ":" + path(st)
		}
		return l.Name + "/" + l.Type + from
	}
	var out []string
	for _, st := range tr.Steps {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s [%s] %s\n", lookup(st.Lookup), path(st), st.Delegation.Source, st.Incomplete)
		for _, h := range st.Delegation.NS {
			fmt.Fprintf(&b, "  ns %s %v %s\n", h.Name, h.Addrs, h.Failure)
		}
		for _, s := range st.Servers {
			var qs []string
			for _, q := range s.Queries {
				qs = append(qs, fmt.Sprintf("%s:%s/%s=%s%s", q.Purpose, q.Name, q.Type, q.Rcode, q.ErrorKind))
			}
			sort.Strings(qs)
			fmt.Fprintf(&b, "  %s %s\n", s.Label(), strings.Join(qs, " "))
		}
		for _, r := range st.Results {
			fmt.Fprintf(&b, "  => %s %s %s %v\n", r.Kind, r.Zone, r.Target, r.Servers)
		}
		out = append(out, b.String())
	}
	sort.Strings(out)
	return fmt.Sprintf("%s %s\n%s", tr.Outcome.Rcode, tr.Outcome.Explanation, strings.Join(out, ""))
}

// Same servers, same verdict: no choice may depend on which reply arrived
// first (the cut cached when parent servers disagree, which step holds a
// zone's survey, where a sub-lookup starts).
func TestSameInputSameTrace(t *testing.T) {
	t.Parallel()
	u := demo(t)
	names := []string{"gone.lab", "cdn.healthy.test", "www.chain.test", "www.cycle.test", "www.deep.test", "www.nsalias.test"}
	runs := 12
	if testing.Short() {
		runs = 4
	}
	for _, name := range names {
		cfg := cfgFor(u)
		cfg.Exchanger = shuffled{u}
		cfg.Probes = true
		first := ""
		for i := 0; i < runs; i++ {
			got := shape(runTrace(t, cfg, name, dns.TypeA))
			if i == 0 {
				first = got
				continue
			}
			if got != first {
				t.Errorf("%s: run %d differs from run 0:\n%s", name, i, lineDiff(first, got))
				break
			}
		}
	}
}

func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	in := func(l []string) map[string]int {
		m := map[string]int{}
		for _, s := range l {
			m[s]++
		}
		return m
	}
	am, bm := in(al), in(bl)
	var out []string
	for _, s := range al {
		if bm[s] < am[s] {
			out = append(out, "- "+s)
		}
	}
	for _, s := range bl {
		if am[s] < bm[s] {
			out = append(out, "+ "+s)
		}
	}
	if len(out) > 40 {
		out = out[:40]
	}
	return strings.Join(out, "\n")
}
