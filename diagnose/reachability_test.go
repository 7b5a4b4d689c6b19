package diagnose_test

import (
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

func TestServerTimeout(t *testing.T)     { runFixtures(t, "server-timeout") }
func TestServerUnreachable(t *testing.T) { runFixtures(t, "server-unreachable") }

// A dead server whose traced query ddx abandoned (its peers had answered
// long before: the straggler cut) is still found dead by the survey
// questions, which are never cut and timed out.
func TestServerTimeoutFromTheSurveyWhenTheQueryWasCut(t *testing.T) {
	t.Parallel()
	dead := &trace.Server{Name: "ns2.halfdead.test.", Address: "203.0.113.3", Queries: []*trace.Query{
		{ID: 1, Purpose: trace.PurposeResolve, Name: "www.halfdead.test.", Type: "A", ErrorKind: trace.ErrKindAbandoned, Error: "abandoned: the zone's other servers had answered", Transport: "udp"},
		{ID: 2, Purpose: trace.PurposeSOA, Name: "halfdead.test.", Type: "SOA", ErrorKind: trace.ErrKindTimeout, Error: "no reply within 3s", Transport: "udp", Attempts: []*trace.Attempt{{Try: 1}, {Try: 2}}},
	}}
	tr := &trace.Trace{Config: trace.Summary{Roots: []string{"198.51.100.1"}}, Steps: []*trace.Step{{ID: 0, Zone: "halfdead.test.", Name: "www.halfdead.test.", Type: "A", Parent: -1, Servers: []*trace.Server{dead}}}}
	fs := diagnose.Diagnose(tr)
	if len(fs) != 1 || fs[0].ID != "server-timeout" || fs[0].Queries[0] != 2 {
		t.Fatalf("findings %+v", fs)
	}
	dead.Queries[1].ErrorKind = trace.ErrKindAbandoned
	if fs := diagnose.Diagnose(tr); len(fs) != 0 {
		t.Errorf("only abandoned queries: findings %+v", fs)
	}
}
