package diagnose_test

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// report traces name in the demo universe (no delay) and diagnoses it.
// check=true runs it the way `ddx check` does: SOA of the zone, with probes.
func report(t *testing.T, name string, qtype uint16, check bool) *diagnose.Report {
	t.Helper()
	return diagnose.New(demotest.Trace(t, demotest.Universe(t), name, qtype, check))
}

func TestEveryFindingOnItsFixture(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id       string
		name     string
		qtype    uint16
		check    bool
		severity diagnose.Severity
		zone     string
		server   string   // a substring of one of the finding's servers
		words    []string // in the explanation
	}{
		{"parent-servers-disagree", "gone.lab", dns.TypeA, false, diagnose.Error, "gone.lab.", "ns3.nic.lab.", []string{"NXDOMAIN", "referral to gone.lab."}},
		{"not-delegated", "nosuch.test", dns.TypeSOA, true, diagnose.Critical, "nosuch.test.", "ns1.nic.test.", []string{"NXDOMAIN"}},
		{"too-few-ns", "single.test", dns.TypeSOA, true, diagnose.Warning, "single.test.", "", []string{"ns1.provider.test."}},
		{"too-many-ns", "many.test", dns.TypeSOA, true, diagnose.Notice, "many.test.", "", []string{"seven"}},
		{"upward-referral", "upward.test", dns.TypeSOA, true, diagnose.Error, "upward.test.", "192.0.2.95", []string{"referral"}},
		{"ns-name-unresolvable", "unres.test", dns.TypeSOA, true, diagnose.Error, "unres.test.", "ns2.nowhere.example.", []string{"NXDOMAIN"}},
		{"ns-missing-trailing-dot", "trailing.test", dns.TypeSOA, true, diagnose.Error, "trailing.test.", "ns2.trailing.test.trailing.test.", []string{"ns2.trailing.test.", "origin"}},
		{"missing-glue", "missingglue.test", dns.TypeSOA, true, diagnose.Error, "missingglue.test.", "ns1.missingglue.test.", []string{"glue"}},
		{"glue-mismatch", "renumbered.test", dns.TypeSOA, true, diagnose.Error, "renumbered.test.", "ns1.renumbered.test.", []string{"203.0.113.60", "192.0.2.62"}},
		{"unnecessary-glue", "www.sub.extraglue.test", dns.TypeA, false, diagnose.Notice, "sub.extraglue.test.", "ns1.extraglue.test.", []string{"ns.attacker.example."}},
		{"ns-is-cname", "nsalias.test", dns.TypeSOA, true, diagnose.Error, "nsalias.test.", "dns.provider.test.", []string{"CNAME", "ns1.provider.test."}},
		{"glueless-indirection", "www.deep.test", dns.TypeA, false, diagnose.Warning, "deep.test.", "ns.deep.example.", []string{"glue"}},
		{"glueless-indirection", "www.cycle.test", dns.TypeA, false, diagnose.Error, "cycle.test.", "ns.cycle.example.", []string{"cycle"}},
		{"ns-shared-address", "shared.test", dns.TypeSOA, true, diagnose.Warning, "shared.test.", "ns2.shared.test.", []string{"192.0.2.115"}},
		{"server-timeout", "www.halfdead.test", dns.TypeA, false, diagnose.Warning, "halfdead.test.", "203.0.113.3", []string{"no reply"}},
		{"server-unreachable", "www.unreach.test", dns.TypeA, false, diagnose.Warning, "unreach.test.", "192.0.2.140", []string{"refused"}},
		{"slow-server", "www.slow.test", dns.TypeA, false, diagnose.Notice, "slow.test.", "192.0.2.85", []string{"900 ms"}},
		{"tcp-failure", "big.tcp.test", dns.TypeTXT, false, diagnose.Error, "tcp.test.", "192.0.2.90", []string{"TC=1", "TCP"}},
		{"edns-noncompliance", "www.edns.test", dns.TypeA, false, diagnose.Notice, "edns.test.", "192.0.2.82", []string{"FORMERR"}},
		{"zone-unreachable", "www.dead.test", dns.TypeA, false, diagnose.Critical, "dead.test.", "203.0.113.1", []string{"SERVFAIL"}},
		{"lame-delegation", "www.lame.test", dns.TypeA, false, diagnose.Error, "lame.test.", "192.0.2.31", []string{"REFUSED", "SOA lame.test."}},
		{"server-failure", "www.servfail.test", dns.TypeA, false, diagnose.Error, "servfail.test.", "192.0.2.105", []string{"SERVFAIL", "load"}},
		{"recursive-nameserver", "recursive.test", dns.TypeSOA, true, diagnose.Warning, "recursive.test.", "192.0.2.100", []string{"recursive", "open resolver"}},
		{"ns-parent-child-mismatch", "www.mismatch.test", dns.TypeA, false, diagnose.Error, "mismatch.test.", "ns2.mismatch.test.", []string{"Only at the parent: ns2.mismatch.test.", "Only in the zone: ns3.mismatch.test."}},
		{"ns-set-inconsistent", "www.inconsistent.test", dns.TypeA, false, diagnose.Notice, "inconsistent.test.", "192.0.2.136", []string{"ns3.inconsistent.test."}},
		{"soa-serial-mismatch", "www.serial.test", dns.TypeA, false, diagnose.Warning, "serial.test.", "192.0.2.111", []string{"2026112101", "2026112202"}},
		{"answer-inconsistent", "www.serial.test", dns.TypeA, false, diagnose.Warning, "serial.test.", "203.0.113.110", []string{"192.0.2.45", "203.0.113.145"}},
		{"ns-ttl-zero", "www.nsttl.test", dns.TypeA, false, diagnose.Warning, "nsttl.test.", "192.0.2.20", []string{"TTL 0"}},
		{"soa-timers", "timers.test", dns.TypeSOA, true, diagnose.Notice, "timers.test.", "", []string{"refresh 60 s"}},
		{"cname-loop", "www.loop.test", dns.TypeA, false, diagnose.Error, "loop.test.", "", []string{"SERVFAIL"}},
		{"cname-chain", "www.chain.test", dns.TypeA, false, diagnose.Notice, "chain.test.", "", []string{"hop1.chain.test.", "target.chain.test."}},
		{"mx-to-cname", "mxalias.test", dns.TypeSOA, true, diagnose.Error, "mxalias.test.", "192.0.2.20", []string{"mail.mxalias.test.", "mailhost.mxalias.test."}},
		{"wildcard-mx", "wild.test", dns.TypeSOA, true, diagnose.Notice, "wild.test.", "192.0.2.2", []string{"mail.provider.test."}},
		{"name-looks-like-address", "192.0.2.10", dns.TypeA, false, diagnose.Notice, ".", "", []string{"10.2.0.192.in-addr.arpa."}},
	}
	for _, c := range cases {
		t.Run(c.id+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			rep := report(t, c.name, c.qtype, c.check)
			var f *diagnose.Finding
			for i := range rep.Findings {
				if rep.Findings[i].ID == c.id && rep.Findings[i].Zone == c.zone {
					f = &rep.Findings[i]
					break
				}
			}
			if f == nil {
				var ids []string
				for _, x := range rep.Findings {
					ids = append(ids, x.ID+"@"+x.Zone)
				}
				t.Fatalf("no %s for %s; got %v", c.id, c.zone, ids)
			}
			if f.Severity != c.severity {
				t.Errorf("severity %s, want %s", f.Severity, c.severity)
			}
			if c.server != "" && !strings.Contains(strings.Join(f.Servers, " "), c.server) {
				t.Errorf("servers %v do not include %s", f.Servers, c.server)
			}
			for _, w := range c.words {
				if !strings.Contains(f.Explanation+" "+f.Summary, w) {
					t.Errorf("explanation lacks %q:\n%s", w, f.Explanation)
				}
			}
			if f.Summary == "" || f.Fix == "" || len(f.Refs) == 0 {
				t.Errorf("incomplete finding %+v", f)
			}
		})
	}
}

func TestHealthyZonesHaveNoFalsePositives(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		qtype uint16
		check bool
	}{
		{"www.healthy.test", dns.TypeA, false},
		{"healthy.test", dns.TypeSOA, true},
		{"cdn.healthy.test", dns.TypeAAAA, false},
		{"provider.test", dns.TypeSOA, true},
		{"10.2.0.192.in-addr.arpa", dns.TypePTR, false},
	} {
		rep := report(t, c.name, c.qtype, c.check)
		if rep.Outcome.Rcode != trace.RcodeNoError {
			t.Errorf("%s: outcome %s", c.name, rep.Outcome.Rcode)
		}
		for _, f := range rep.Findings {
			if f.Severity >= diagnose.Warning {
				t.Errorf("%s: false positive %s (%s) in %s: %s", c.name, f.ID, f.Severity, f.Zone, f.Summary)
			}
		}
	}
}

func TestSeedCaseOutcomeExplainsBothPaths(t *testing.T) {
	t.Parallel()
	rep := report(t, "gone.lab", dns.TypeNS, false)
	o := rep.Outcome
	if o.Rcode != trace.RcodeDepends {
		t.Fatalf("outcome %s", o.Rcode)
	}
	for _, w := range []string{"NXDOMAIN", "SERVFAIL", "ns3.nic.lab.", "ns1.nic.lab."} {
		if !strings.Contains(o.Explanation, w) {
			t.Errorf("explanation lacks %q: %s", w, o.Explanation)
		}
	}
}
