package trace_test

import (
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestParseType(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want uint16
		ok   bool
	}{
		{"A", dns.TypeA, true},
		{"aaaa", dns.TypeAAAA, true},
		{" MX ", dns.TypeMX, true},
		{"TYPE65534", 65534, true},
		{"type1", dns.TypeA, true},
		{"TYPE65536", 0, false},
		{"TYPE", 0, false},
		{"TYPE-1", 0, false},
		{"BOGUS", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		got, err := trace.ParseType(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseType(%q) = %d, %v; want %d, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

// Types are printed by miekg/dns: unknown ones as RFC 3597 TYPEnnn, which
// ParseType reads back.
func TestTypeNamesRoundTrip(t *testing.T) {
	t.Parallel()
	if s := dns.Type(65534).String(); s != "TYPE65534" {
		t.Errorf("type 65534 prints as %q, want TYPE65534", s)
	}
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeHTTPS, 65534} {
		back, err := trace.ParseType(dns.Type(qt).String())
		if err != nil || back != qt {
			t.Errorf("%d → %q → %d, %v", qt, dns.Type(qt).String(), back, err)
		}
	}
}
