package diagnose_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
	"golang.org/x/tools/txtar"
)

// A fixture is a small universe (servers.conf and zones/*.zone) in a txtar
// file, with the question to trace and the findings it must produce. Its
// comment section holds, one per line:
//
//	query: NAME TYPE        what to trace (SOA of a zone with check: a health check)
//	check                   trace as `ddx check` does (survey probes)
//	ptr                     look up the PTRs of the zone's addresses (--ptr)
//	want: ID ZONE [sev=S] [SERVER...]
//	say: TEXT               words the explanation of the previous want holds
//	nosay: TEXT             words it must not hold
//	nowant: ID ZONE         a finding that must not appear, at any severity
//	outcome: RCODE          the outcome of the trace
//	compare                 also ask every resolver of servers.conf, as
//	                        `ddx compare --demo` does; the comparison's
//	                        findings join the trace's
//	security: STATE         its DNSSEC validation (secure, insecure, bogus, indeterminate)
//
// Other lines describe the case. The findings at warning and above must be
// exactly the wanted ones (by ID and zone), so a false positive fails as
// surely as a miss; wanted notices and infos must be present.
type fixture struct {
	name     string
	query    string
	qtype    uint16
	check    bool
	compare  bool
	ptr      bool
	outcome  string
	security string
	wants    []*want
	nowants  []*want
	arch     *txtar.Archive
}

type want struct {
	id, zone, sev         string
	servers, says, nosays []string
}

func loadFixture(t *testing.T, file string) *fixture {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{name: filepath.Base(file), arch: a}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		key, val, _ := strings.Cut(strings.TrimSpace(line), ":")
		val = strings.TrimSpace(val)
		switch key {
		case "query":
			fields := strings.Fields(val)
			if len(fields) != 2 {
				t.Fatalf("%s: query: NAME TYPE, got %q", file, val)
			}
			f.query = fields[0]
			if f.qtype, err = trace.ParseType(fields[1]); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		case "check":
			f.check = true
		case "compare":
			f.compare = true
		case "ptr":
			f.ptr = true
		case "outcome":
			f.outcome = val
		case "security":
			f.security = val
		case "want":
			fields := strings.Fields(val)
			if len(fields) < 2 {
				t.Fatalf("%s: want: ID ZONE [sev=S] [SERVER...], got %q", file, val)
			}
			w := &want{id: fields[0], zone: fields[1]}
			for _, x := range fields[2:] {
				if s, ok := strings.CutPrefix(x, "sev="); ok {
					w.sev = s
				} else {
					w.servers = append(w.servers, x)
				}
			}
			if diagnose.RuleByID(w.id) == nil {
				t.Fatalf("%s: no rule %s", file, w.id)
			}
			f.wants = append(f.wants, w)
		case "nowant":
			fields := strings.Fields(val)
			if len(fields) != 2 || diagnose.RuleByID(fields[0]) == nil {
				t.Fatalf("%s: nowant: ID ZONE, got %q", file, val)
			}
			f.nowants = append(f.nowants, &want{id: fields[0], zone: fields[1]})
		case "say", "nosay":
			if len(f.wants) == 0 {
				t.Fatalf("%s: %s: before any want:", file, key)
			}
			w := f.wants[len(f.wants)-1]
			if key == "say" {
				w.says = append(w.says, val)
			} else {
				w.nosays = append(w.nosays, val)
			}
		}
	}
	if f.query == "" {
		t.Fatalf("%s: no query: line", file)
	}
	return f
}

// runFixtures runs every fixture of a rule: testdata/ID/*.txtar.
func runFixtures(t *testing.T, id string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", id, "*.txtar"))
	if len(files) == 0 {
		t.Fatalf("rule %s has no fixtures in testdata/%s", id, id)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, file)
			fsys, err := txtar.FS(f.arch)
			if err != nil {
				t.Fatal(err)
			}
			u := demotest.Load(t, fsys, ".")
			cfg := demotest.Config(u, f.check)
			cfg.PTR = f.ptr
			tr, err := trace.Run(context.Background(), cfg, f.query, f.qtype, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep := diagnose.New(tr)
			if f.compare {
				rep = compareFixture(t, u, f, rep)
			}
			checkFixture(t, f, rep)
		})
	}
}

func checkFixture(t *testing.T, f *fixture, rep *diagnose.Report) {
	t.Helper()
	got := func() string {
		var s []string
		for _, x := range rep.Findings {
			s = append(s, fmt.Sprintf("%s %s (%s) %v: %s", x.ID, x.Zone, x.Severity, x.Servers, x.Summary))
		}
		return "\n\t" + strings.Join(s, "\n\t")
	}
	if f.outcome != "" && rep.Outcome.Rcode != f.outcome {
		t.Errorf("outcome %s, want %s: %s", rep.Outcome.Rcode, f.outcome, rep.Outcome.Explanation)
	}
	if f.security != "" && string(rep.Security) != f.security {
		t.Errorf("security %s, want %s: %s", rep.Security, f.security, rep.Outcome.Explanation)
	}
	wanted := func(x diagnose.Finding) bool {
		return slices.ContainsFunc(f.wants, func(w *want) bool { return w.id == x.ID && w.zone == x.Zone })
	}
	for _, x := range rep.Findings {
		if x.Severity >= diagnose.Warning && !wanted(x) {
			t.Errorf("unexpected %s in %s (%s): %s%s", x.ID, x.Zone, x.Severity, x.Summary, got())
		}
		if x.Summary == "" || x.Explanation == "" || x.Fix == "" || len(x.Refs) == 0 {
			t.Errorf("incomplete finding %+v", x)
		}
	}
	for _, w := range f.nowants {
		if slices.ContainsFunc(rep.Findings, func(x diagnose.Finding) bool { return x.ID == w.id && x.Zone == w.zone }) {
			t.Errorf("%s in %s must not be found; got:%s", w.id, w.zone, got())
		}
	}
	for _, w := range f.wants {
		i := slices.IndexFunc(rep.Findings, func(x diagnose.Finding) bool { return x.ID == w.id && x.Zone == w.zone })
		if i < 0 {
			t.Errorf("no %s in %s; got:%s", w.id, w.zone, got())
			continue
		}
		x := rep.Findings[i]
		if w.sev != "" && x.Severity.String() != w.sev {
			t.Errorf("%s: severity %s, want %s", w.id, x.Severity, w.sev)
		}
		for _, s := range w.servers {
			if !slices.ContainsFunc(x.Servers, func(v string) bool { return strings.Contains(v, s) }) {
				t.Errorf("%s: servers %v lack %s", w.id, x.Servers, s)
			}
		}
		for _, s := range w.says {
			if !strings.Contains(x.Summary+" "+x.Explanation, s) {
				t.Errorf("%s: explanation lacks %q:\n%s", w.id, s, x.Explanation)
			}
		}
		for _, s := range w.nosays {
			if strings.Contains(x.Summary+" "+x.Explanation+" "+x.Fix, s) {
				t.Errorf("%s: explanation holds %q:\n%s", w.id, s, x.Explanation)
			}
		}
	}
}

// compareFixture asks every resolver of the fixture's universe the
// fixture's question and returns the report with the comparison's
// findings added, as `ddx compare` reports them.
func compareFixture(t *testing.T, u *sim.Universe, f *fixture, rep *diagnose.Report) *diagnose.Report {
	t.Helper()
	c := &diagnose.Comparison{Query: trace.Question{Name: dns.Fqdn(f.query), Type: dns.TypeToString[f.qtype], Qtype: f.qtype}, Trace: rep}
	for _, r := range u.Resolvers() {
		o := trace.ResolverOptions{Exchanger: u, Timeout: 5 * time.Second}
		c.Resolvers = append(c.Resolvers, trace.AskResolver(context.Background(), netip.AddrPortFrom(r.Addr, 53), c.Query.Name, f.qtype, o))
	}
	if len(c.Resolvers) == 0 {
		t.Fatalf("%s: compare, but servers.conf has no resolver line", f.name)
	}
	out := *rep
	out.Findings = append(diagnose.Compare(c), rep.Findings...)
	diagnose.SortFindings(out.Findings)
	return &out
}
