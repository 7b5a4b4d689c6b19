package trace_test

import (
	"testing"

	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// child.parent.test. is served by its parent's servers: asked for its
// SOA, they answer with authority and no referral is ever seen. A health
// check must still survey the child zone, from the NS set those servers
// give with authority; a plain trace must not spend the queries.
func TestChildZoneOnItsParentsServers(t *testing.T) {
	t.Parallel()
	u := demotest.Universe(t)
	tr := demotest.Trace(t, u, "child.parent.test", dns.TypeSOA, true)
	var child *trace.Step
	for _, st := range tr.Steps {
		if st.Zone == "child.parent.test." {
			child = st
		}
	}
	if child == nil {
		t.Fatalf("no step for child.parent.test.: %v", zonesOf(tr))
	}
	if child.Delegation.Source != trace.SourceParentServers || len(child.Servers) != 2 {
		t.Fatalf("child step: source %s, %d servers", child.Delegation.Source, len(child.Servers))
	}
	parent := tr.StepByID(child.Parent)
	if parent == nil || parent.Zone != "parent.test." || parent.Results[0].Next != child.ID {
		t.Errorf("the child step does not hang under the parent's answer: %+v", parent)
	}
	for _, s := range child.Servers {
		var soa, ns bool
		for _, q := range s.Queries {
			soa = soa || q.Purpose == trace.PurposeSOA && q.Name == "child.parent.test." && q.OK()
			ns = ns || q.Purpose == trace.PurposeNS && q.Name == "child.parent.test." && q.OK()
		}
		if !soa || !ns {
			t.Errorf("%s: the child zone's SOA and NS were not asked", s.Label())
		}
	}
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Errorf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
	// The child's DS is asked of the parent side: the unsigned parent has
	// none, and the SOA of that NODATA is parent.test.'s, not the child's
	// (the servers answer DS from the zone above the cut).
	for _, s := range parent.Servers {
		var soa string
		for _, q := range s.Queries {
			if q.Purpose == trace.PurposeDS && q.Name == "child.parent.test." && q.OK() && q.Class == trace.ClassNoData {
				for _, rr := range q.Reply.Ns {
					if x, ok := rr.(*dns.SOA); ok {
						soa = x.Hdr.Name
					}
				}
			}
		}
		if soa != "parent.test." {
			t.Errorf("%s: the DS of child.parent.test. was not answered from the parent side (SOA %q)", s.Label(), soa)
		}
	}

	plain := demotest.Trace(t, u, "child.parent.test", dns.TypeSOA, false)
	for _, st := range plain.Steps {
		if st.Zone == "child.parent.test." {
			t.Errorf("a plain trace surveyed the child zone too")
		}
	}
}

func zonesOf(tr *trace.Trace) []string {
	var out []string
	for _, st := range tr.Steps {
		out = append(out, st.Zone)
	}
	return out
}

// samesrv.test's servers also serve its signed children. A trace of a
// name in one never meets a referral; the signer of the answer (or the
// SOA of a negative one) shows the cut, and the child's DS is asked of
// every server on the parent side: each answers it from samesrv.test
// (signed by samesrv.test, RFC 4035 §3.1.4.1), not from the child zone.
// The trace goes on in the child zone, which is asked for its DNSKEY.
func TestSignedChildOnItsParentsServersIsAskedForDS(t *testing.T) {
	t.Parallel()
	u := demotest.Universe(t)
	for _, c := range []struct {
		name  string
		zone  string
		rcode string
	}{
		{"www.stale.samesrv.test", "stale.samesrv.test.", trace.RcodeNoError},
		{"www.ok.samesrv.test", "ok.samesrv.test.", trace.RcodeNoError},
		{"nosuch.ok.samesrv.test", "ok.samesrv.test.", trace.RcodeNXDomain},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := demotest.Trace(t, u, c.name, dns.TypeA, false)
			var parent, child *trace.Step
			for _, st := range tr.Steps {
				switch {
				case st.Zone == "samesrv.test." && st.Name == c.name+".":
					parent = st
				case st.Zone == c.zone:
					child = st
				}
			}
			if parent == nil || child == nil {
				t.Fatalf("steps %v: want samesrv.test. and %s", zonesOf(tr), c.zone)
			}
			if child.Delegation.Source != trace.SourceParentServers || child.Parent != parent.ID || len(child.Servers) != 2 {
				t.Errorf("child step: source %s, parent %d (want %d), %d servers", child.Delegation.Source, child.Parent, parent.ID, len(child.Servers))
			}
			for _, s := range parent.Servers {
				var ds *trace.Query
				for _, q := range s.Queries {
					if q.Purpose == trace.PurposeDS && q.Name == c.zone {
						ds = q
					}
				}
				if ds == nil || !ds.OK() || ds.Class != trace.ClassAnswer {
					t.Errorf("%s: DS %s not asked, or not answered: %+v", s.Label(), c.zone, ds)
					continue
				}
				if !ds.Reply.MsgHdr.Authoritative || !signedBy(ds.Reply.Answer, "samesrv.test.") {
					t.Errorf("%s: the DS of %s was not answered from the parent side:\n%v", s.Label(), c.zone, ds.Reply)
				}
			}
			for _, s := range child.Servers {
				asked := false
				for _, q := range s.Queries {
					asked = asked || q.Purpose == trace.PurposeDNSKEY && q.Name == c.zone && q.OK()
				}
				if !asked {
					t.Errorf("%s: the DNSKEY of %s was not asked", s.Label(), c.zone)
				}
			}
			if tr.Outcome.Rcode != c.rcode {
				t.Errorf("outcome %s, want %s: %s", tr.Outcome.Rcode, c.rcode, tr.Outcome.Explanation)
			}
		})
	}
	// Near miss: the parent's own names stay in the parent.
	tr := demotest.Trace(t, u, "www.samesrv.test", dns.TypeA, false)
	for _, st := range tr.Steps {
		if st.Delegation.Source == trace.SourceParentServers {
			t.Errorf("www.samesrv.test. went on in %s", st.Zone)
		}
	}
}

func signedBy(rrs []dns.RR, signer string) bool {
	for _, rr := range rrs {
		if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == dns.TypeDS && sig.SignerName == signer {
			return true
		}
	}
	return false
}
