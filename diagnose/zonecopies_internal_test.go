package diagnose

import (
	"fmt"
	"strings"
	"testing"
)

// TestCopiesSampleBounded: two copies of a zone can differ in thousands of
// records, some of them long; zone-copies-differ quotes five of each side,
// each cut to 120 characters, escaped, and counts the rest.
func TestCopiesSampleBounded(t *testing.T) {
	a, b := map[string]bool{}, map[string]bool{"same. 300 IN A 192.0.2.1": true}
	for k := range b {
		a[k] = true
	}
	for i := range 1000 {
		a[fmt.Sprintf("h%04d.example. 300 IN TXT \"%s\x1b[2J\"", i, strings.Repeat("x", 400))] = true
	}
	got := sample(a, b)
	if !strings.HasSuffix(got, " and 995 more") || strings.Count(got, "h0") != 5 {
		t.Errorf("sample %.200q..., want five records and 995 more", got)
	}
	if len(got) > 5*(120+5)+20 || strings.ContainsRune(got, 0x1b) {
		t.Errorf("sample of %d bytes, or with a raw escape: %.200q", len(got), got)
	}
	if got := sample(b, a); got != "nothing" {
		t.Errorf("sample of a subset: %q", got)
	}
}
