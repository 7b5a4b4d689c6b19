package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDNSSECFlags: the security state in the JSON beside the outcome,
// --no-dnssec, --trust-anchor and their usage errors.
func TestDNSSECFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong.anchor")
	os.WriteFile(wrong, []byte(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"), 0o644)
	notDS := filepath.Join(dir, "a.anchor")
	os.WriteFile(notDS, []byte(". IN A 192.0.2.1\n"), 0o644)
	cases := []struct {
		args     []string
		code     int
		security string
		stderr   string
		finding  string
	}{
		{[]string{"trace", "--demo", "-o", "json", "www.secure.test"}, exitOK, "secure", "", ""},
		{[]string{"trace", "--demo", "-o", "json", "www.healthy.test"}, exitOK, "insecure", "", ""},
		{[]string{"trace", "--demo", "-o", "json", "www.dsmismatch.test"}, exitFindings, "bogus", "", "ds-mismatch"},
		{[]string{"trace", "--demo", "-o", "json", "--no-dnssec", "www.dsmismatch.test"}, exitOK, "", "", ""},
		// The demo root's key is not the IANA one: every chain breaks at the root.
		{[]string{"trace", "--demo", "-o", "json", "--trust-anchor", wrong, "www.secure.test"}, exitFindings, "bogus", "", "ds-mismatch"},
		{[]string{"trace", "--demo", "--trust-anchor", notDS, "www.secure.test"}, exitUsage, "", "not a DS or DNSKEY record", ""},
		{[]string{"trace", "--demo", "--trust-anchor", filepath.Join(dir, "missing"), "www.secure.test"}, exitUsage, "", "cannot read the trust anchor", ""},
		{[]string{"trace", "--demo", "--no-dnssec", "--trust-anchor", wrong, "www.secure.test"}, exitUsage, "", "exclude each other", ""},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errs := runDDX(t, c.args...)
			if code != c.code || !strings.Contains(errs, c.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q, want %q", code, c.code, errs, c.stderr)
			}
			if c.code == exitUsage {
				return
			}
			var doc struct {
				Security string                       `json:"security"`
				Outcome  struct{ Explanation string } `json:"outcome"`
				Findings []struct{ ID string }        `json:"findings"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Security != c.security {
				t.Errorf("security %q, want %q", doc.Security, c.security)
			}
			found := c.finding == ""
			for _, f := range doc.Findings {
				found = found || f.ID == c.finding
			}
			if !found {
				t.Errorf("no %s in %+v", c.finding, doc.Findings)
			}
			if c.security == "bogus" && !strings.Contains(doc.Outcome.Explanation, "Validating resolvers: SERVFAIL") {
				t.Errorf("a bogus outcome must say both answers: %s", doc.Outcome.Explanation)
			}
		})
	}
}
