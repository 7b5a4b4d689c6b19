package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

// The zone transfers of ddx check (trace/axfr.go): which servers give the
// zone to anyone, and what the zone's content says (axfrcontent.go).

var ruleAXFROpen = &Rule{
	ID: "axfr-open", Severity: Warning,
	Title: "a server transfers the whole zone to anyone who asks",
	Doc: "Asked for a zone transfer (AXFR) by ddx, a stranger, the server sent the zone: every name in it, " +
		"internal hosts and forgotten test machines included, is public, and anyone can ask again at will (each " +
		"transfer costs the server far more than a query). Transfers are meant for the zone's secondaries only " +
		"(RFC 5936 §6). BIND allows transfers to anyone unless told otherwise; NSD and Knot refuse by default.",
	Fix: "Allow transfers only to the zone's secondaries, ideally with a TSIG key: allow-transfer { ADDRESSES; }; " +
		"(BIND), provide-xfr: ADDRESS KEY (NSD), acl with action transfer (Knot); or allow-transfer { none; }; " +
		"where there are no secondaries.",
	Refs: []string{"RFC 5936 §6", "RFC 5936 §2.2"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			xs := transfersOf(v)
			var open []zoneTransfer
			for _, x := range xs {
				if x.open() {
					open = append(open, x)
				}
			}
			if len(open) == 0 {
				continue
			}
			var labels, how []string
			var ids []int
			for _, x := range open {
				labels = append(labels, x.s.Label())
				ids = append(ids, x.q.ID)
				how = append(how, x.s.Label()+" "+x.what())
			}
			summary := fmt.Sprintf("%s transfers %s to anyone", labels[0], v.zone)
			if len(open) > 1 {
				summary = fmt.Sprintf("%d of %d servers of %s transfer the zone to anyone", len(open), len(xs), v.zone)
			}
			p.Report(Finding{
				Zone: v.zone, Servers: labels, Queries: ids,
				Summary: summary,
				Explanation: fmt.Sprintf("ddx asked every server of %s for a zone transfer (AXFR over TCP): %s. Every name in the zone is public, and "+
					"anyone can ask again at will; transfers are meant for the zone's secondaries (RFC 5936 §6).", v.zone, strings.Join(how, "; ")),
			})
		}
	},
}

// zoneTransfer is the transfer one server of a zone gave.
type zoneTransfer struct {
	s *trace.Server
	q *trace.Query
}

// transfersOf returns the zone transfers ddx asked of a zone's servers.
func transfersOf(v *zoneView) []zoneTransfer {
	var out []zoneTransfer
	for _, s := range v.servers {
		if q := first(s, trace.PurposeAXFR); q != nil && q.Transfer != nil {
			out = append(out, zoneTransfer{s, q})
		}
	}
	return out
}

// open reports whether the server began transferring the zone: it sent
// the zone's SOA and records, whether or not ddx read to the end.
func (x zoneTransfer) open() bool {
	t := x.q.Transfer
	return t.HasSOA && t.Status != trace.TransferRefused && x.q.Reply != nil
}

// complete reports whether the transfer holds the whole zone.
func (x zoneTransfer) complete() bool {
	return x.open() && x.q.Transfer.Status == trace.TransferComplete
}

// what says, for an explanation, what the transfer gave.
func (x zoneTransfer) what() string {
	t := x.q.Transfer
	s := fmt.Sprintf("sent %d %s (serial %d)", t.Records, pluralWord(t.Records, "record", "records"), t.Serial)
	switch t.Status {
	case trace.TransferCut:
		s += ", and was " + trace.Sanitize(t.Note)
	case trace.TransferFailed:
		s += ", then the transfer broke (" + trace.Sanitize(x.q.Error) + ")"
	}
	return s
}
