package trace_test

import (
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func msg(t testing.TB, aa bool, rcode int, answer, ns, extra []string) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion("www.example.com.", dns.TypeA)
	m.Response, m.Authoritative, m.Rcode = true, aa, rcode
	for _, set := range []struct {
		dst *[]dns.RR
		src []string
	}{{&m.Answer, answer}, {&m.Ns, ns}, {&m.Extra, extra}} {
		for _, s := range set.src {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			*set.dst = append(*set.dst, rr)
		}
	}
	return m
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, zone string
		m          *dns.Msg
		want       string
	}{
		{"referral", "com.", msg(t, false, 0, nil, []string{"example.com. NS ns1.example.com."}, []string{"ns1.example.com. A 192.0.2.1", "evil.org. A 192.0.2.66"}), trace.ClassReferral},
		{"answer", "example.com.", msg(t, true, 0, []string{"www.example.com. A 192.0.2.1"}, nil, nil), trace.ClassAnswer},
		{"answer without AA is lame", "example.com.", msg(t, false, 0, []string{"www.example.com. A 192.0.2.1"}, nil, nil), trace.ClassLame},
		{"out-of-zone answer is not trusted", "other.com.", msg(t, true, 0, []string{"www.example.com. A 192.0.2.1"}, nil, nil), trace.ClassNoData},
		{"cname", "example.com.", msg(t, true, 0, []string{"www.example.com. CNAME web.example.net."}, nil, nil), trace.ClassCNAME},
		{"nxdomain", "example.com.", msg(t, true, 3, nil, []string{"example.com. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassNXDomain},
		{"nodata", "example.com.", msg(t, true, 0, nil, []string{"example.com. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassNoData},
		{"upward referral", "example.com.", msg(t, false, 0, nil, []string{". NS a.root-servers.net."}, nil), trace.ClassUpward},
		{"refused", "example.com.", msg(t, false, 5, nil, nil, nil), trace.ClassRefused},
		{"empty non-AA", "example.com.", msg(t, false, 0, nil, nil, nil), trace.ClassLame},
		{"nxdomain without AA is not the zone's", "example.com.", msg(t, false, 3, nil, []string{"example.com. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassLame},
		{"nxdomain with the SOA of another zone", "example.com.", msg(t, true, 3, nil, []string{"example.org. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassLame},
		{"nxdomain with the SOA of the parent", "example.com.", msg(t, true, 3, nil, []string{"com. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassLame},
		{"nxdomain with the SOA of a zone below", "example.com.", msg(t, true, 3, nil, []string{"www.example.com. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassNXDomain},
		{"nxdomain without SOA", "example.com.", msg(t, true, 3, nil, nil, nil), trace.ClassNXDomain},
		{"nodata with the SOA of another zone", "example.com.", msg(t, true, 0, nil, []string{"example.org. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassLame},
		{"nodata without AA", "example.com.", msg(t, false, 0, nil, []string{"example.com. SOA a. b. 1 2 3 4 5"}, nil), trace.ClassLame},
		{"referral sideways", "example.com.", msg(t, false, 0, nil, []string{"other.net. NS ns.other.net."}, nil), trace.ClassLame},
	}
	for _, c := range cases {
		got := trace.Classify("www.example.com.", dns.TypeA, c.zone, c.m)
		if got.Class != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got.Class, got.Why, c.want)
		}
		if c.name == "referral" {
			if len(got.Glue["ns1.example.com."]) != 1 || len(got.OutGlue) != 1 {
				t.Errorf("glue %v, out-of-bailiwick %v", got.Glue, got.OutGlue)
			}
		}
	}
}

// FuzzClassify feeds arbitrary messages to the classifier: it must never
// panic, and what it trusts must lie inside the zone.
func FuzzClassify(f *testing.F) {
	seed := msg(f, false, 0, []string{"www.example.com. CNAME www.example.com."}, []string{"example.com. NS ns1.example.com."}, []string{"ns1.example.com. A 192.0.2.1"})
	b, _ := seed.Pack()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := new(dns.Msg)
		if err := m.Unpack(data); err != nil {
			return
		}
		c := trace.Classify("www.example.com.", dns.TypeA, "com.", m)
		if c.Class == trace.ClassReferral {
			if !dns.IsSubDomain("com.", c.Zone) || c.Zone == "com." || len(c.NS) == 0 {
				t.Fatalf("referral to %q with NS %v", c.Zone, c.NS)
			}
			for owner := range c.Glue {
				if !dns.IsSubDomain("com.", owner) {
					t.Fatalf("glue for %s trusted", owner)
				}
			}
		}
		for _, rr := range c.Records {
			if !dns.IsSubDomain("com.", rr.Header().Name) {
				t.Fatalf("record %s trusted outside com.", rr)
			}
		}
	})
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain www.example.": "plain www.example.",
		"RFC 1034 §4.3.2":    "RFC 1034 §4.3.2",
		"bücher.test.":       "bücher.test.",
		"evil\x1b[2J":        "evil\\027[2J",
		"bell\x07":           "bell\\007",
		"bad\xffutf8":        "bad\\255utf8",
		"rtl\u202eoverride":  "rtl\\226\\128\\174override",
		"tab\there":          "tab here",
	} {
		if got := trace.Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
