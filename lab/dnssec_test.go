package lab

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The lab's DNSSEC anchors: real validators' verdicts on the lab's signed
// and broken zones, which BIND's dnssec-signzone signed at start.

// delvVerdict asks delv, validating from the lab root's KSK through the
// non-validating BIND resolver, and reads its verdict: secure ("fully
// validated"), insecure ("unsigned answer") or bogus ("resolution
// failed" other than a cached NXDOMAIN). delv exits 0 in every case.
func delvVerdict(t *testing.T, name, qtype string) (string, string) {
	t.Helper()
	delv, err := exec.LookPath("delv")
	if err != nil {
		t.Fatalf("delv is missing (apt-get install bind9-dnsutils): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, delv, "@"+BindAddr.String(), "-a", theLab.DelvAnchors, "+root=.", name, qtype).CombinedOutput()
	if err != nil {
		t.Fatalf("delv %s %s: %v\n%s", name, qtype, err, out)
	}
	text := string(out)
	switch {
	case strings.Contains(text, "fully validated"): // also "; negative response, fully validated"
		return "secure", text
	case strings.Contains(text, "unsigned answer"):
		return "insecure", text
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, ";; resolution failed:") && !strings.Contains(line, "ncache") {
			return "bogus", text
		}
	}
	return "unknown", text
}

// validating asks the lab's validating Unbound with DO set.
func validating(t *testing.T, name, qtype string) (rcode int, ad bool, ede []uint16) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.StringToType[qtype])
	m.SetEdns0(1232, true)
	c := &dns.Client{Timeout: 20 * time.Second}
	r, _, err := c.Exchange(m, netip.AddrPortFrom(ValidatingAddr, 53).String())
	if err != nil {
		t.Fatalf("validating unbound, %s %s: %v", name, qtype, err)
	}
	if opt := r.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, ok := o.(*dns.EDNS0_EDE); ok {
				ede = append(ede, e.InfoCode)
			}
		}
	}
	return r.Rcode, r.AuthenticatedData, ede
}

var edeInExplanation = regexp.MustCompile(`extended DNS error (\d+)`)

// TestLabDNSSEC: on every signed, broken or unsigned lab name, ddx's
// verdict (security and exactly the findings at warning and above, the
// demo's for the same zone) agrees with delv and with the validating
// Unbound: secure is an answer with AD, insecure one without, bogus a
// SERVFAIL whose extended DNS error is the one ddx says a validating
// resolver attaches.
func TestLabDNSSEC(t *testing.T) {
	needLab(t)
	if theLab.TrustAnchor == "" {
		t.Fatal("the lab root is not signed: no trust anchor")
	}
	cases := []struct {
		query    string // NAME TYPE
		check    bool   // ddx check ZONE instead of ddx trace
		security string
		want     string // exactly these at warning and above
		// ede: Unbound's extended DNS error on the SERVFAIL of a bogus
		// name, on the validation that found it bogus; answers from its
		// cache of bogus data carry 6 (DNSSEC Bogus) instead.
		ede int
		// edeDiffers: why Unbound's code is not the one ddx names.
		edeDiffers string
		// noDelv: why delv's verdict is not compared.
		noDelv string
	}{
		{"www.secure.test A", false, "secure", "", 0, "", ""},
		{"secure.test SOA", true, "secure", "", 0, "", ""},
		// An answer from the wildcard *.wc.secure.test: BIND sends the
		// wildcard's RRSIG (labels 3) and the NSEC proving the name
		// itself does not exist, and the validators accept it.
		{"any.wc.secure.test A", false, "secure", "", 0, "", ""},
		{"nosuch.secure.test A", false, "secure", "", 0, "", ""},
		{"nosuch.test A", false, "secure", "", 0, "", ""}, // NXDOMAIN proved by test.'s NSEC records
		{"www.healthy.test A", false, "insecure", "", 0, "", ""},
		{"www.island.test A", false, "insecure", "", 0, "", ""}, // signed-without-ds is a notice
		{"www.expiring.test A", false, "secure", "rrsig-expiring@expiring.test.", 0, "", ""},
		{"www.sha1ds.test A", false, "secure", "dnssec-algorithm-deprecated@sha1ds.test.", 0, "", ""},
		{"nosuch.nsec3iter.test A", false, "secure", "nsec3-parameters@nsec3iter.test.", 0, "", ""},
		{"nsec3iter.test SOA", true, "secure", "nsec3-parameters@nsec3iter.test.", 0, "", ""},
		// Bogus through ns2 only: Unbound, finding the unsigned answer
		// of a zone with a DS, asks ns1 and validates (AD), as ddx says.
		{"www.halfsigned.test A", false, "secure", "dnssec-inconsistent@halfsigned.test.", 0, "",
			"BIND's non-validating resolver asks ns1 or ns2, at random, so delv through it is secure or bogus"},
		{"www.dsmismatch.test A", false, "bogus", "ds-mismatch@dsmismatch.test.", 9, "", ""},
		{"www.expired.test A", false, "bogus", "rrsig-expired@expired.test.", 7, "", ""},
		{"expired.test SOA", true, "bogus", "rrsig-expired@expired.test.", 7, "", ""},
		{"www.dsunsigned.test A", false, "bogus", "ds-for-unsigned-zone@dsunsigned.test.", 9, "", ""},
		{"www.zsksigned.test A", false, "bogus", "dnskey-not-signed-by-ds@zsksigned.test.", 10, "", ""},
		{"www.future.test A", false, "bogus", "rrsig-not-yet-valid@future.test.", 8, "", ""},
		{"www.badsig.test A", false, "bogus", "rrsig-invalid@badsig.test.", 9,
			"every signature is corrupt, the DNSKEY RRset's too: Unbound fails while building the chain of trust and says DNSKEY Missing", ""},
		{"www.sigless.test A", false, "bogus", "rrsig-missing@sigless.test.", 12,
			"Unbound first asks for the DS of www.sigless.test (to see whether it is a cut) and trips on the unsigned NSEC: NSEC Missing", ""},
		{"nosuch.unproved.test A", false, "bogus", "nsec-proof-invalid@unproved.test.", 12, "", ""},
	}
	for _, c := range cases {
		c := c
		t.Run(c.query, func(t *testing.T) {
			t.Parallel()
			name, qtype, _ := strings.Cut(c.query, " ")
			// Unbound first: the first validation of a zone gives the
			// specific extended error.
			rcode, ad, ede := validating(t, name, qtype)
			switch {
			case c.security == "bogus":
				if rcode != dns.RcodeServerFailure || (!hasCode(ede, c.ede) && !hasCode(ede, 6)) {
					t.Errorf("validating unbound: %s, EDE %v; want SERVFAIL with EDE %d (or 6 from its cache)", dns.RcodeToString[rcode], ede, c.ede)
				}
			case rcode == dns.RcodeServerFailure || ad != (c.security == "secure"):
				t.Errorf("validating unbound: %s, AD %v, EDE %v; want an answer with AD %v", dns.RcodeToString[rcode], ad, ede, c.security == "secure")
			}
			if c.noDelv == "" {
				if got, out := delvVerdict(t, name, qtype); got != c.security {
					t.Errorf("delv says %s, want %s:\n%s", got, c.security, out)
				}
			}
			var doc map[string]any
			if c.check {
				_, doc = ddxJSON(t, "check", name, "--trust-anchor", theLab.TrustAnchor)
			} else {
				_, doc = ddxJSON(t, "trace", name, qtype, "--trust-anchor", theLab.TrustAnchor)
			}
			if got := fmt.Sprint(doc["security"]); got != c.security {
				t.Errorf("ddx: security %s, want %s (findings %v)", got, c.security, ids(doc))
			}
			if got, want := severe(doc), strings.Fields(c.want); !sameSet(got, want) {
				t.Errorf("ddx: findings at warning and above:\n got  %v\n want %v", got, want)
			}
			if c.security != "bogus" || c.edeDiffers != "" {
				return
			}
			id, _, _ := strings.Cut(c.want, "@")
			for _, f := range findingsWith(doc, id) {
				m := edeInExplanation.FindStringSubmatch(fmt.Sprint(f["explanation"]))
				if m == nil || m[1] != fmt.Sprint(c.ede) {
					t.Errorf("ddx says a validating resolver attaches extended DNS error %v; Unbound attaches %d:\n%v", m, c.ede, f["explanation"])
				}
			}
		})
	}
}

func hasCode(codes []uint16, want int) bool {
	for _, c := range codes {
		if int(c) == want {
			return true
		}
	}
	return false
}

// TestLabDNSSECCompare: the validating Unbound and the non-validating BIND
// split on a bogus name, and compare names the DNSSEC cause; on a secure
// name they agree, Unbound with AD.
func TestLabDNSSECCompare(t *testing.T) {
	needLab(t)
	v, b := "@"+ValidatingAddr.String(), "@"+BindAddr.String()
	t.Run("bogus", func(t *testing.T) {
		t.Parallel()
		code, doc := ddxJSON(t, "compare", "www.dsmismatch.test", v, b, "--trust-anchor", theLab.TrustAnchor)
		rs := doc["resolvers"].([]any)
		u, n := rs[0].(map[string]any), rs[1].(map[string]any)
		if u["rcode"] != "SERVFAIL" || n["rcode"] != "NOERROR" {
			t.Errorf("validating %v, non-validating %v; want SERVFAIL and NOERROR", u["rcode"], n["rcode"])
		}
		if u["ede"] == nil {
			t.Errorf("the validating resolver's SERVFAIL has no extended DNS error: %v", u)
		}
		split := findingsWith(doc, "resolver-outcome-split")
		if len(split) != 1 || !strings.Contains(fmt.Sprint(split[0]["explanation"]), "ds-mismatch") || code != 1 {
			t.Errorf("exit %d; resolver-outcome-split naming ds-mismatch wanted: %v", code, split)
		}
		if !has(ids(doc), "ds-mismatch@dsmismatch.test.") {
			t.Errorf("findings %v", ids(doc))
		}
	})
	t.Run("secure", func(t *testing.T) {
		t.Parallel()
		_, doc := ddxJSON(t, "compare", "www.secure.test", v, b, "--trust-anchor", theLab.TrustAnchor)
		rs := doc["resolvers"].([]any)
		u, n := rs[0].(map[string]any), rs[1].(map[string]any)
		if u["rcode"] != "NOERROR" || u["ad"] != true || n["rcode"] != "NOERROR" || n["ad"] == true {
			t.Errorf("validating %v AD %v, non-validating %v AD %v; want NOERROR with AD, NOERROR without", u["rcode"], u["ad"], n["rcode"], n["ad"])
		}
		if got := severe(doc); len(got) != 0 {
			t.Errorf("findings at warning and above: %v", got)
		}
	})
}

// TestLabTrustAnchorFile: the anchor the lab writes is the DS of the lab
// root's KSK, in the form Unbound and ddx read.
func TestLabTrustAnchorFile(t *testing.T) {
	needLab(t)
	b, err := os.ReadFile(theLab.TrustAnchor)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := dns.NewRR(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", theLab.TrustAnchor, err)
	}
	ds, ok := rr.(*dns.DS)
	if !ok || ds.Hdr.Name != "." {
		t.Fatalf("%s holds %v, want the root's DS", theLab.TrustAnchor, rr)
	}
	root := ask(t, theLab.Public("198.51.100.1"), ".", dns.TypeDNSKEY, false)
	for _, rr := range root.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags == 257 && k.KeyTag() == ds.KeyTag && strings.EqualFold(k.ToDS(ds.DigestType).Digest, ds.Digest) {
			return
		}
	}
	t.Errorf("no DNSKEY of the lab root matches the anchor %v: %v", ds, root.Answer)
}
