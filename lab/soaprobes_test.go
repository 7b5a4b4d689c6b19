package lab

import (
	"strings"
	"testing"
)

// TestLabSOAProbes health-checks the demo's SOA and glue zones on real
// BIND and NSD: the primary that mname.test's SOA names has no address
// (soa-mname), contact.test's contact has no mail domain
// (soa-rname-invalid), and test.'s glue for a server of its sibling zone
// sibhost.test is stale (glue-mismatch). The healthy zones, whose MNAME is
// a listed server and whose contact is in the zone, get none of these.
func TestLabSOAProbes(t *testing.T) {
	needLab(t)
	cases := []struct {
		zone   string
		severe string // exactly these at warning and above
		also   string // and these, at any severity
		never  string // and none of these, at any severity
	}{
		{"mname.test", "", "soa-mname@mname.test.", "soa-rname-invalid@mname.test. glue-mismatch@mname.test."},
		{"contact.test", "", "soa-rname-invalid@contact.test.", "soa-mname@contact.test. glue-mismatch@contact.test."},
		{"sibglue.test", "glue-mismatch@sibglue.test.", "", "soa-mname@sibglue.test. soa-rname-invalid@sibglue.test."},
		{"healthy.test", "", "", "soa-mname@healthy.test. soa-rname-invalid@healthy.test. glue-mismatch@healthy.test."},
		{"provider.test", "", "", "soa-mname@provider.test. soa-rname-invalid@provider.test. glue-mismatch@provider.test."},
		// Delegated to ns1/ns2.provider.test with sibling glue from test.:
		// the glue is right, so the sibling lookup finds nothing.
		{"wild.test", "", "", "soa-mname@wild.test. soa-rname-invalid@wild.test. glue-mismatch@wild.test."},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			_, doc := ddxJSON(t, "check", c.zone)
			if got, want := severe(doc), strings.Fields(c.severe); !sameSet(got, want) {
				t.Errorf("findings at warning and above:\n got  %v\n want %v", got, want)
			}
			for _, w := range strings.Fields(c.also) {
				if !has(ids(doc), w) {
					t.Errorf("missing %s; got %v", w, ids(doc))
				}
			}
			for _, w := range strings.Fields(c.never) {
				if has(ids(doc), w) {
					t.Errorf("%s on real servers; got %v", w, ids(doc))
				}
			}
		})
	}
}
