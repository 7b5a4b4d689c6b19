package diagnose_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/miekg/dns"
)

// TestDemoScenariosExactFindings: every demo scenario, traced and checked,
// produces exactly its expected findings at warning and above (ID@zone,
// once per server where a finding is per server), so a false positive in
// the demo users explore fails as surely as a miss.
func TestDemoScenariosExactFindings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query string
		check bool
		want  string
	}{
		{"www.healthy.test A", false, ""},
		{"healthy.test SOA", true, ""},
		{"cdn.healthy.test AAAA", false, ""},
		{"provider.test SOA", true, ""},
		{"10.2.0.192.in-addr.arpa PTR", false, ""},
		{"gone.lab A", false, "parent-servers-disagree@gone.lab. server-timeout@gone.lab. server-timeout@gone.lab. soa-serial-mismatch@lab. zone-unreachable@gone.lab."},
		{"www.lame.test A", false, "lame-delegation@lame.test."},
		{"www.dead.test A", false, "server-timeout@dead.test. server-timeout@dead.test. zone-unreachable@dead.test."},
		{"www.halfdead.test A", false, "server-timeout@halfdead.test."},
		{"www.mismatch.test A", false, "ns-parent-child-mismatch@mismatch.test."},
		{"www.renumbered.test A", false, "glue-mismatch@renumbered.test."},
		{"trailing.test SOA", true, "ns-missing-trailing-dot@trailing.test. ns-missing-trailing-dot@trailing.test. ns-parent-child-mismatch@trailing.test."},
		{"www.edns.test A", false, ""}, // FORMERR without OPT: a notice (RFC 6891 §7)
		{"www.slow.test A", false, ""},
		{"big.tcp.test TXT", false, "tcp-failure@tcp.test. tcp-failure@tcp.test."},
		{"tcp.test SOA", true, "tcp-failure@tcp.test. tcp-failure@tcp.test."},
		{"www.upward.test A", false, "upward-referral@upward.test."},
		{"recursive.test SOA", true, "recursive-nameserver@recursive.test."},
		{"www.servfail.test A", false, "server-failure@servfail.test."},
		{"www.serial.test A", false, "answer-inconsistent@serial.test. soa-serial-mismatch@serial.test."},
		{"shared.test SOA", true, "ns-shared-address@shared.test."},
		{"single.test SOA", true, "too-few-ns@single.test."},
		{"many.test SOA", true, "referral-too-large@many.test."}, // nine in-zone names with glue
		{"unres.test SOA", true, "ns-name-unresolvable@unres.test."},
		{"nsalias.test SOA", true, "ns-is-cname@nsalias.test."},
		{"mxalias.test SOA", true, "mx-to-cname@mxalias.test."},
		{"wild.test SOA", true, ""},
		{"www.loop.test A", false, "cname-loop@loop.test."},
		{"www.chain.test A", false, ""},
		{"www.nsttl.test A", false, "ns-ttl-zero@nsttl.test."},
		{"timers.test SOA", true, ""},
		{"www.inconsistent.test A", false, "answer-inconsistent@inconsistent.test. ns-parent-child-mismatch@inconsistent.test."},
		{"www.unreach.test A", false, "server-unreachable@unreach.test."},
		{"www.missingglue.test A", false, "missing-glue@missingglue.test. zone-unreachable@missingglue.test."},
		{"www.deep.test A", false, "glueless-indirection@deep.test. too-few-ns@deep.example. too-few-ns@deep.test. too-few-ns@deep2.test."},
		{"www.cycle.test A", false, "glueless-indirection@cycle.example. glueless-indirection@cycle.test. too-few-ns@cycle.example. too-few-ns@cycle.test. zone-unreachable@cycle.example. zone-unreachable@cycle.test."},
		{"www.sub.extraglue.test A", false, ""},
		{"nosuch.test SOA", true, "not-delegated@nosuch.test."},
		{"192.0.2.10 A", false, ""},
		{"types.test SOA", true, "query-type-failure@types.test."},
		{"www.types.test AAAA", false, ""}, // ns1 is cut as a straggler: only ddx check asks it again
		{"ednscomp.test SOA", true, "edns-noncompliance@ednscomp.test. edns-noncompliance@ednscomp.test."},
		{"www.ednscomp.test A", false, ""},
		{"case.test SOA", true, "case-not-preserved@case.test."},
		{"www.case.test A", false, ""},
		{"mname.test SOA", true, ""},   // soa-mname is a notice
		{"contact.test SOA", true, ""}, // soa-rname-invalid is a notice
		{"sibglue.test SOA", true, "glue-mismatch@sibglue.test."},
		{"www.sibglue.test A", false, "server-unreachable@sibglue.test."}, // only ddx check looks the sibling up: the old address stays unexplained
		// The transfer's content: every name, not only the apex.
		{"axfr.test SOA", true, "axfr-open@axfr.test. hostname-syntax@axfr.test. missing-glue@axfr.test. missing-trailing-dot@axfr.test. mx-to-cname@axfr.test."},
		{"www.axfr.test A", false, ""}, // ddx trace asks for no transfer
		{"copies.test SOA", true, "axfr-open@copies.test. zone-copies-differ@copies.test."},
		{"www.copies.test A", false, "answer-inconsistent@copies.test."}, // www is the name edited on ns2
		{"www.onenet.test A", false, "ns-same-prefix@onenet.test."},
		{"onenet.test SOA", true, "ns-same-prefix@onenet.test."},
		// The lab proofs of issue #14 (lab/conformance_test.go).
		{"noaa.test SOA", true, "lame-delegation@noaa.test."},
		{"udponly.test SOA", true, "server-timeout@udponly.test."},
		{"noedns.test SOA", true, "edns-noncompliance@noedns.test. edns-noncompliance@noedns.test. tcp-failure@noedns.test."},
		{"www.noedns.test A", false, "edns-noncompliance@noedns.test."},
		{"typefail.test SOA", true, "query-type-failure@typefail.test. query-type-failure@typefail.test."},
		{"www.typefail.test A", false, ""},
		{"badhost.test SOA", true, "hostname-syntax@badhost.test."},
		{"soadiff.test SOA", true, ""}, // soa-fields-mismatch is a notice
		{"nullmx.test SOA", true, "mx-invalid@nullmx.test."},
		{"private.test SOA", true, "ns-address-special@private.test. server-unreachable@private.test."},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			t.Parallel()
			name, typ, _ := strings.Cut(c.query, " ")
			rep := report(t, name, dns.StringToType[typ], c.check)
			got := atWarning(rep)
			want := strings.Fields(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("findings at warning and above:\n got  %v\n want %v", got, want)
			}
		})
	}
}

// atWarning lists the findings at warning and above as ID@ZONE, sorted:
// what a scenario pins exactly.
func atWarning(rep *diagnose.Report) []string {
	var got []string
	for _, f := range rep.Findings {
		if f.Severity >= diagnose.Warning {
			got = append(got, f.ID+"@"+f.Zone)
		}
	}
	slices.Sort(got)
	return got
}
