package trace_test

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestRetriesAndFallbacks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault      string
		wantRcode  string
		wantSteps  []string // transport/edns/outcome of each attempt
		wantErrKnd trace.ErrorKind
	}{
		{"truncate", trace.RcodeNoError, []string{"udp edns NOERROR tc", "tcp edns NOERROR"}, ""},
		{"truncate,tcp-drop", trace.RcodeServFail, []string{"udp edns NOERROR tc", "tcp edns timeout"}, "tcp"},
		{"formerr-edns", trace.RcodeNoError, []string{"udp edns FORMERR", "udp no-edns NOERROR"}, ""},
		{"drop-edns", trace.RcodeNoError, []string{"udp edns timeout", "udp no-edns NOERROR", "udp edns timeout"}, ""},
		{"drop", trace.RcodeServFail, []string{"udp edns timeout", "udp no-edns timeout"}, "timeout"},
		{"unreachable", trace.RcodeServFail, []string{"udp edns unreachable"}, "unreachable"},
		{"wrong-id", trace.RcodeServFail, []string{"udp edns invalid", "udp edns invalid"}, "invalid"},
		{"wrong-question", trace.RcodeServFail, []string{"udp edns invalid", "udp edns invalid"}, "invalid"},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			tr := runTrace(t, cfgFor(small(t, c.fault)), "www.example", dns.TypeA)
			if tr.Outcome.Rcode != c.wantRcode {
				t.Errorf("outcome %s, want %s", tr.Outcome.Rcode, c.wantRcode)
			}
			q := mainQuery(t, tr, "example.")
			var got []string
			for _, a := range q.Attempts {
				edns := "edns"
				if !a.EDNS {
					edns = "no-edns"
				}
				what := a.Rcode
				if a.ErrorKind != "" {
					what = string(a.ErrorKind)
					if a.Transport == "tcp" {
						what = "timeout"
					}
				}
				s := a.Transport + " " + edns + " " + what
				if a.TC {
					s += " tc"
				}
				got = append(got, s)
			}
			if strings.Join(got, "; ") != strings.Join(c.wantSteps, "; ") {
				t.Errorf("attempts\n got %v\nwant %v", got, c.wantSteps)
			}
			if q.ErrorKind != c.wantErrKnd {
				t.Errorf("error kind %q, want %q", q.ErrorKind, c.wantErrKnd)
			}
		})
	}
}
