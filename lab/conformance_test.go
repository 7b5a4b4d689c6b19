package lab

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestLabConformance checks zones served by real BIND 9.18 (healthy.test)
// and NSD 4.6 (provider.test) with ddx check's conformance probes: both
// are EDNS-compliant and preserve case, so every probe must get the
// compliant reply (the demo universe's servers without faults model
// them), and none of the conformance findings may appear.
func TestLabConformance(t *testing.T) {
	needLab(t)
	for _, zone := range []string{"healthy.test", "provider.test"} {
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			_, doc := ddxJSON(t, "check", zone)
			for _, id := range ids(doc) {
				for _, bad := range []string{"edns-noncompliance@", "query-type-failure@", "case-not-preserved@"} {
					if strings.HasPrefix(id, bad) {
						t.Errorf("%s on real servers", id)
					}
				}
			}
			seen := map[string]int{}
			for _, q := range probeQueries(t, doc, zone+".") {
				p, m := q.purpose, q.reply
				seen[p]++
				if m == nil {
					t.Errorf("%s %s: no reply (%s)", q.server, p, q.err)
					continue
				}
				opt := m.IsEdns0()
				switch p {
				case "edns1":
					if m.Rcode != dns.RcodeBadVers || opt == nil || opt.Version() != 0 || len(m.Answer) != 0 {
						t.Errorf("%s edns1: rcode %d, OPT %v, %d answers; want BADVERS, version 0, none", q.server, m.Rcode, opt, len(m.Answer))
					}
				case "edns-option", "edns-flags":
					if m.Rcode != dns.RcodeSuccess || !m.Authoritative || opt == nil || opt.Version() != 0 || len(opt.Option) != 0 || opt.Z() != 0 || len(m.Answer) == 0 {
						t.Errorf("%s %s: rcode %d, aa %v, OPT %v; want the plain answer, nothing echoed", q.server, p, m.Rcode, m.Authoritative, opt)
					}
				case "case":
					if len(m.Question) != 1 || m.Question[0].Name != q.name {
						t.Errorf("%s case: asked %s, echoed %v", q.server, q.name, m.Question)
					}
				case "type":
					if m.Rcode != dns.RcodeSuccess {
						t.Errorf("%s type %s: %s", q.server, q.qtype, dns.RcodeToString[m.Rcode])
					}
				}
			}
			for _, p := range []string{"edns1", "edns-option", "edns-flags", "case", "type"} {
				if seen[p] == 0 {
					t.Errorf("no %s probe of %s", p, zone)
				}
			}
		})
	}
}

type probeQuery struct {
	server, purpose, name, qtype, err string
	reply                             *dns.Msg
}

// probeQueries returns the conformance probes of a zone's servers in a
// check's JSON, with their replies unpacked from the wire format.
func probeQueries(t *testing.T, doc map[string]any, zone string) []probeQuery {
	t.Helper()
	var out []probeQuery
	steps, _ := doc["steps"].([]any)
	for _, st := range steps {
		stm := st.(map[string]any)
		if stm["zone"] != zone {
			continue
		}
		servers, _ := stm["servers"].([]any)
		for _, s := range servers {
			sm := s.(map[string]any)
			qs, _ := sm["queries"].([]any)
			for _, q := range qs {
				qm := q.(map[string]any)
				p := fmt.Sprint(qm["purpose"])
				switch p {
				case "edns1", "edns-option", "edns-flags", "case", "type":
				default:
					continue
				}
				pq := probeQuery{server: fmt.Sprint(sm["address"]), purpose: p, name: fmt.Sprint(qm["name"]), qtype: fmt.Sprint(qm["type"])}
				if e, ok := qm["error"]; ok {
					pq.err = fmt.Sprint(e)
				}
				if w, ok := qm["reply_wire"].(string); ok {
					b, err := base64.StdEncoding.DecodeString(w)
					if err != nil {
						t.Fatal(err)
					}
					pq.reply = new(dns.Msg)
					if err := pq.reply.Unpack(b); err != nil {
						t.Fatal(err)
					}
				}
				out = append(out, pq)
			}
		}
	}
	return out
}
