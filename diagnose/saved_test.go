package diagnose_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// TestSavedTraceRoundTrip: for every demo scenario, traced and checked, the
// findings and outcome of the live run equal those of the trace saved as
// JSON and loaded again, so a trace attached to a ticket says what the
// live run said.
func TestSavedTraceRoundTrip(t *testing.T) {
	t.Parallel()
	for _, sc := range ddx.Scenarios {
		for _, check := range []bool{false, true} {
			fields := strings.Fields(sc.Query)
			name, qtype := fields[0], dns.TypeA
			if len(fields) > 1 {
				qtype, _ = trace.ParseType(fields[1])
			}
			if check {
				name, qtype = zoneOf(name), dns.TypeSOA
			}
			t.Run(name+"/"+dns.TypeToString[qtype], func(t *testing.T) {
				t.Parallel()
				live := diagnose.New(demotest.Trace(t, demotest.Universe(t), name, qtype, check))
				saved := diagnose.New(saveAndLoad(t, live))
				if !reflect.DeepEqual(live.Findings, saved.Findings) {
					t.Errorf("findings differ\nlive:  %s\nsaved: %s", ids(live.Findings), ids(saved.Findings))
				}
				if !reflect.DeepEqual(live.Outcome, saved.Outcome) {
					t.Errorf("outcome differs\nlive:  %+v\nsaved: %+v", live.Outcome, saved.Outcome)
				}
				if n, m := replies(live.Trace), replies(saved.Trace); n != m || n == 0 {
					t.Errorf("%d replies live, %d saved", n, m)
				}
			})
		}
	}
}

// zoneOf is the zone a scenario name is in: the name without its first
// label, unless it is a zone already (two labels).
func zoneOf(name string) string {
	if strings.Count(strings.TrimSuffix(name, "."), ".") <= 1 {
		return name
	}
	_, rest, _ := strings.Cut(name, ".")
	return rest
}

func replies(t *trace.Trace) int {
	n := 0
	for _, st := range t.Steps {
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Reply != nil {
					n++
				}
			}
		}
	}
	return n
}

func ids(fs []diagnose.Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.ID+"@"+f.Zone)
	}
	return strings.Join(s, " ")
}

func TestLoadRejectsWhatIsNotATrace(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, in string }{
		{"empty", ""},
		{"text", "www.example.com. 300 IN A 192.0.2.1"},
		{"other json", `{"foo": 1}`},
		{"newer schema", `{"schema": 99, "query": {"name": "a.test.", "type": "A"}}`},
		{"reply not dns", `{"schema": 1, "query": {"name": "a.test.", "type": "A"}, "steps": [{"id": 0, "type": "A", "servers": [{"name": "x.", "queries": [{"id": 1, "rcode": "NOERROR", "reply_wire": "AAAA"}]}]}]}`},
		{"rcode without reply", `{"schema": 1, "query": {"name": "a.test.", "type": "A"}, "steps": [{"id": 0, "type": "A", "servers": [{"name": "x.", "queries": [{"id": 1, "rcode": "NOERROR"}]}]}]}`},
		{"steps out of order", `{"schema": 1, "query": {"name": "a.test.", "type": "A"}, "steps": [{"id": 3, "type": "A"}]}`},
		{"ptr lookup missing", `{"schema": 1, "query": {"name": "a.test.", "type": "A"}, "ptr": {"checks": [{"address": "192.0.2.1", "lookup": 7}]}}`},
	} {
		_, err := trace.Load(strings.NewReader(c.in))
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		if c.name == "empty" || c.name == "text" || c.name == "other json" || c.name == "newer schema" || c.name == "ptr lookup missing" {
			if !errors.Is(err, trace.ErrNotTrace) {
				t.Errorf("%s: %v is not ErrNotTrace", c.name, err)
			}
		}
	}
}

// saveAndLoad is the trace of rep as `ddx show` reads it back from the
// JSON of -o json.
func saveAndLoad(t *testing.T, rep *diagnose.Report) *trace.Trace {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(rep); err != nil {
		t.Fatal(err)
	}
	tr, err := trace.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
