package diagnose

import (
	"strings"

	"github.com/ddxdns/ddx/trace"
)

// transferContent runs the zone-content rules of ddx lint (Lint) over
// each distinct complete copy of a zone that its servers transferred, and
// returns what they find that the trace's own rules (found) did not:
// every name of the zone, where the trace saw only the apex. A finding
// names the transfer it came from, and the servers that sent that copy.
func transferContent(zs []*zoneView, found []Finding) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, c := range transferCopies(v) {
			for _, zf := range Lint(c.content(v.zone)).Findings {
				f := zf.Finding
				if tracedAlready(v.zone, zf, found) {
					continue
				}
				if rest, ok := strings.CutPrefix(f.Explanation, "the zone transfer"); ok {
					f.Explanation = "The zone transfer" + rest // it opens the sentence
				} else if !strings.Contains(f.Explanation, c.source()) {
					f.Explanation = period(f.Explanation) + " Found in " + c.source() + "."
				}
				f.Servers, f.Queries = c.servers, c.ids
				out = mergeFinding(out, f)
			}
		}
	}
	return out
}

// transferCopy is one distinct copy of a zone, and who sent it.
type transferCopy struct {
	q       *trace.Query // the first transfer of this copy
	recs    map[string]bool
	servers []string
	ids     []int
}

// transferCopies groups a zone's complete transfers by their records.
func transferCopies(v *zoneView) []*transferCopy {
	var xs []zoneTransfer
	for _, x := range transfersOf(v) {
		if x.complete() { // part of a zone: a rule would miss what it needs, or report what is only not read yet
			xs = append(xs, x)
		}
	}
	return groupCopies(xs)
}

// groupCopies groups transfers by their records (copyRecords), in the
// order each copy first came.
func groupCopies(xs []zoneTransfer) []*transferCopy {
	var out []*transferCopy
	for _, x := range xs {
		recs := copyRecords(x.q)
		var c *transferCopy
		for _, o := range out {
			if sameRecords(o.recs, recs) {
				c = o
			}
		}
		if c == nil {
			c = &transferCopy{q: x.q, recs: recs}
			out = append(out, c)
		}
		c.servers = append(c.servers, x.s.Label())
		c.ids = append(c.ids, x.q.ID)
	}
	return out
}

// source names the transfer in explanations.
func (c *transferCopy) source() string {
	return "the zone transfer from " + list(c.servers)
}

// content is the copy as Lint reads it.
func (c *transferCopy) content(zone string) *ZoneContent {
	src := c.source()
	recs := make([]ZoneRecord, 0, len(c.q.Reply.Answer))
	for _, rr := range c.q.Reply.Answer {
		recs = append(recs, ZoneRecord{RR: rr, File: src})
	}
	return NewZoneContent(zone, src, recs)
}

// tracedAlready reports whether the trace's rules found the same thing:
// a finding of the same rule about the zone, when the content finding is
// about the zone as a whole or a record at its apex (or its wildcard),
// the names the trace itself asked about.
func tracedAlready(zone string, zf ZoneFinding, found []Finding) bool {
	if zf.rec != nil {
		owner := strings.ToLower(zf.rec.RR.Header().Name)
		if owner != zone && owner != "*."+zone {
			return false
		}
	}
	for _, f := range found {
		if f.ID == zf.ID && f.Zone == zf.Zone {
			return true
		}
	}
	return false
}

// mergeFinding adds f, or adds its servers to the same finding from
// another copy.
func mergeFinding(fs []Finding, f Finding) []Finding {
	for i := range fs {
		if fs[i].ID == f.ID && fs[i].Zone == f.Zone && fs[i].Summary == f.Summary {
			for j, s := range f.Servers {
				if !contains(fs[i].Servers, s) {
					fs[i].Servers = append(fs[i].Servers, s)
					fs[i].Queries = append(fs[i].Queries, f.Queries[j])
				}
			}
			return fs
		}
	}
	return append(fs, f)
}
