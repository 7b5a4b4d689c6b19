package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
)

// A primary's name can resolve to hundreds of loopback addresses (a reply
// holds some 250 A records): the line names three and counts the rest.
func TestPrimaryLoopbackBounded(t *testing.T) {
	p := &trace.Primary{NSHost: trace.NSHost{Name: "primary.example."}}
	for i := range 250 {
		p.Loopback = append(p.Loopback, fmt.Sprintf("127.0.%d.%d", i/200, i%200+1))
	}
	var b bytes.Buffer
	tw := &textWriter{w: &b, s: Plain()}
	tw.renderPrimary(p, 0)
	if out := b.String(); len(out) > 200 || !strings.Contains(out, "and 247 more") {
		t.Errorf("%d bytes: %.300s", len(out), out)
	}
}
