package lab

import (
	"strings"
	"testing"
)

// TestLabPTR: ddx check --ptr on real BIND and NSD finds the demo's mail
// server without a PTR and the one whose PTR names another host, and
// nothing on the zone whose PTRs all resolve back (the lab publishes the
// universe's PTRs under the reverse names of its own addresses).
func TestLabPTR(t *testing.T) {
	needLab(t)
	cases := []struct {
		zone string
		want string // every ptr-mismatch, as "address verdict"
	}{
		{"rdns.test", ""},
		{"noptr.test", "no-ptr"},
		{"wrongptr.test", "mismatch"},
	}
	for _, c := range cases {
		c := c
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			code, doc := ddxJSON(t, "check", "--ptr", c.zone)
			if code != 0 || len(severe(doc)) > 0 {
				t.Errorf("exit %d, findings at warning and above %v", code, severe(doc))
			}
			var found, verdicts []string
			for _, f := range doc["findings"].([]any) {
				if m := f.(map[string]any); m["id"] == "ptr-mismatch" {
					found = append(found, m["summary"].(string))
				}
			}
			ptr, _ := doc["ptr"].(map[string]any)
			checks, _ := ptr["checks"].([]any)
			for _, ch := range checks {
				m := ch.(map[string]any)
				if v := m["verdict"].(string); v != "confirmed" {
					verdicts = append(verdicts, v)
				}
			}
			if len(checks) != 3 {
				t.Errorf("%d addresses checked, want 3 (two name servers and the mail server): %v", len(checks), ptr)
			}
			if got := strings.Join(verdicts, " "); got != c.want || len(found) != len(verdicts) {
				t.Errorf("verdicts other than confirmed %q, want %q; findings %q", got, c.want, found)
			}
			if c.want != "" && (len(found) != 1 || !strings.Contains(found[0], "mail."+c.zone+".")) {
				t.Errorf("ptr-mismatch findings %q, want one for mail.%s.", found, c.zone)
			}
		})
	}
}
