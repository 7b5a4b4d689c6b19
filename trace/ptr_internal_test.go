package trace

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A zone transfer can give thousands of names with one address (a cut
// transfer holds up to 65535 records): gathering the PTR checks stays
// linear, one check for the address with each name once.
func TestPTRChecksManyNamesOneAddress(t *testing.T) {
	m := new(dns.Msg)
	for i := range 60000 {
		rr, _ := dns.NewRR(fmt.Sprintf("h%d.example. 300 IN A 192.0.2.1", i))
		m.Answer = append(m.Answer, rr)
	}
	m.Answer = append(m.Answer, m.Answer[:100]...) // and again, from another server
	tr := &Trace{Steps: []*Step{{Zone: "example.", Servers: []*Server{{Queries: []*Query{{Purpose: PurposeAXFR, Reply: m}}}}}}}
	start := time.Now()
	checks, left := ptrChecks(tr, "example.", 32)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gathering took %s", took)
	}
	if len(checks) != 1 || left != 0 || len(checks[0].Hosts) != 60000 {
		t.Fatalf("%d checks, %d left, %d hosts", len(checks), left, len(checks[0].Hosts))
	}
}
