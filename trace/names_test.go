package trace_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestBadNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a..b", strings.Repeat("a", 64) + ".test", strings.Repeat("abcdefgh.", 32)} {
		if _, err := trace.Run(context.Background(), trace.Config{Exchanger: small(t, "")}, name, dns.TypeA, nil); err == nil {
			t.Errorf("%q: no error", name)
		}
	}
}
