package diagnose

import (
	"slices"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// Records come from the replies the trace kept, as typed values: rules
// never parse the presentation strings of the JSON form.

// resultRecords are the answer records behind one result of a step: the
// answer section of the first of its servers that answered.
func resultRecords(st *trace.Step, r *trace.Result) []trace.RR {
	for _, s := range st.Servers {
		if !slices.Contains(r.Servers, s.Label()) {
			continue
		}
		if q := first(s, trace.PurposeResolve); q != nil && q.OK() {
			return trace.RRsOf(q.Reply.Answer)
		}
	}
	return nil
}

// rdata shows records as "TYPE data", the way explanations quote them.
func rdata(rrs []trace.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.Type+" "+rr.Data)
	}
	return out
}

// cnameOf is the target of the first CNAME among rrs owned by name, or "".
func cnameOf(rrs []trace.RR, name string) string {
	for _, rr := range rrs {
		if rr.Type == "CNAME" && (name == "" || rr.Name == name) {
			return rr.Data
		}
	}
	return ""
}

// authoritative is what the authoritative servers said at the ends of the
// trace: the answer records without their signatures (the highest TTL any
// server gave for each),
// and for a negative answer its TTL (RFC 2308 §5: the lower of the SOA's
// TTL and its minimum field), the highest any server gave.
func authoritative(t *trace.Trace) (answers map[string]trace.RR, negTTL uint32, negative bool) {
	answers = map[string]trace.RR{}
	for _, e := range t.Outcome.Ends {
		st := t.StepByID(e.Step)
		if st == nil {
			continue
		}
		for _, s := range st.Servers {
			q := first(s, trace.PurposeResolve)
			if q == nil || !q.OK() {
				continue
			}
			switch q.Class {
			case trace.ClassAnswer, trace.ClassCNAME:
				for _, rr := range trace.RRsOf(q.Reply.Answer) {
					if rr.Type == "RRSIG" && t.Query.Type != "RRSIG" {
						continue // asked with DO; resolvers return none without it
					}
					if old, ok := answers[rr.Key()]; !ok || rr.TTL > old.TTL {
						answers[rr.Key()] = rr
					}
				}
			case trace.ClassNXDomain, trace.ClassNoData:
				for _, rr := range q.Reply.Ns {
					if soa, ok := rr.(*dns.SOA); ok {
						negative = true
						negTTL = max(negTTL, min(soa.Hdr.Ttl, soa.Minttl))
					}
				}
			}
		}
	}
	return answers, negTTL, negative
}
