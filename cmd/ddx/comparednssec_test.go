package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// dnssecDoc is the part of compare's JSON that DNSSEC touches.
type dnssecDoc struct {
	Resolvers []struct {
		Address string
		Rcode   string
		AD      bool `json:"ad"`
		EDE     []struct {
			Code uint16
			Name string
			Text string
		}
	}
	Findings []struct {
		ID, Zone, Explanation, Fix string
	}
}

func compareDNSSEC(t *testing.T, args ...string) (int, dnssecDoc) {
	t.Helper()
	code, out, errs := runDDX(t, append([]string{"compare", "--demo"}, append(args, "-o", "json")...)...)
	var doc dnssecDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\nstdout: %s\nstderr: %s", err, out, errs)
	}
	return code, doc
}

// ddx compare --demo on a bogus name: the validating resolver answers
// SERVFAIL with EDE 9, the others answer, and the split is explained by
// the DNSSEC finding, in JSON and in text.
func TestDemoCompareDNSSECBogus(t *testing.T) {
	t.Parallel()
	code, doc := compareDNSSEC(t, "www.dsmismatch.test")
	if code != exitFindings {
		t.Errorf("exit %d, want %d", code, exitFindings)
	}
	var got []string
	for _, r := range doc.Resolvers {
		s := r.Address + " " + r.Rcode
		if r.AD {
			s += " AD"
		}
		for _, e := range r.EDE {
			s += " EDE " + e.Name
		}
		got = append(got, s)
	}
	want := "198.51.100.201:53 NOERROR, 198.51.100.202:53 NOERROR, 198.51.100.203:53 REFUSED EDE Prohibited, " +
		"198.51.100.204:53 SERVFAIL EDE DNSKEY Missing, 198.51.100.205:53 NOERROR"
	if strings.Join(got, ", ") != want {
		t.Errorf("resolvers:\n%s\nwant\n%s", strings.Join(got, ", "), want)
	}
	var ids []string
	split := ""
	for _, f := range doc.Findings {
		ids = append(ids, f.ID+"@"+f.Zone)
		if f.ID == "resolver-outcome-split" {
			split = f.Explanation + " Fix: " + f.Fix
		}
	}
	if g, w := strings.Join(ids, " "), "ds-mismatch@dsmismatch.test. resolver-no-recursion@www.dsmismatch.test. resolver-outcome-split@www.dsmismatch.test. ttl-not-honoured@www.dsmismatch.test."; g != w {
		t.Errorf("findings %s\nwant %s", g, w)
	}
	for _, w := range []string{
		"Validating resolvers: SERVFAIL (DNSSEC bogus: ds-mismatch in dsmismatch.test.: the parent's DS records match no DNSKEY the zone serves); others: NOERROR A 192.0.2.80.",
		"198.51.100.204:53 validates DNSSEC and fails on the broken chain of trust (it reported Extended DNS Error 9 (DNSKEY Missing), the one ds-mismatch causes)",
		"198.51.100.201:53, 198.51.100.202:53 and 198.51.100.205:53 answered because they do not validate",
		"Fix: Repair the chain of trust (ds-mismatch in dsmismatch.test.)",
	} {
		if !strings.Contains(split, w) {
			t.Errorf("the split lacks %q:\n%s", w, split)
		}
	}
	if strings.Contains(split, "cached answer") {
		t.Errorf("the resolvers that answered are blamed on a cache (the RRSIG of the trace counted as an answer):\n%s", split)
	}

	_, text, _ := runDDX(t, "compare", "--demo", "www.dsmismatch.test", "@198.51.100.204", "@198.51.100.205")
	for _, w := range []string{"extended error 9 DNSKEY Missing", "Validating resolvers: SERVFAIL (DNSSEC bogus: ds-mismatch"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

// Near miss: on a secure name the validating resolver sets AD and the
// plain one does not; they agree, so there is no finding and exit 0.
func TestDemoCompareDNSSECSecure(t *testing.T) {
	t.Parallel()
	code, doc := compareDNSSEC(t, "www.secure.test", "@198.51.100.204", "@198.51.100.205")
	if code != exitOK || len(doc.Findings) != 0 {
		t.Errorf("exit %d, findings %+v; want 0 and none", code, doc.Findings)
	}
	if len(doc.Resolvers) != 2 || !doc.Resolvers[0].AD || doc.Resolvers[1].AD || doc.Resolvers[0].Rcode != "NOERROR" || doc.Resolvers[1].Rcode != "NOERROR" {
		t.Errorf("resolvers %+v: want both NOERROR, AD from 198.51.100.204 only", doc.Resolvers)
	}
	_, text, _ := runDDX(t, "compare", "--demo", "www.secure.test", "@198.51.100.204", "@198.51.100.205")
	var row string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "DNSSEC validated (AD)") {
			row = strings.Join(strings.Fields(l), " ")
		}
	}
	if row != "DNSSEC validated (AD) yes (AD) no" || !strings.Contains(text, "the resolvers agree") {
		t.Errorf("AD row %q in\n%s", row, text)
	}
}
