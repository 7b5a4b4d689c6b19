package ui

import (
	"github.com/ddxdns/ddx/trace"
)

// renderPrimary shows what ddx check found of a primary that the zone's
// SOA names (MNAME) and that is not a listed server: its addresses, or
// why it has none, and its answer to the zone's SOA query.
func (tw *textWriter) renderPrimary(p *trace.Primary, indent int) {
	s := tw.s
	head := "SOA primary (MNAME) " + p.Name
	switch {
	case p.Error != "":
		head += ": " + trace.Sanitize(p.Error)
	case len(p.Servers) == 0 && len(p.Loopback) == 0:
		head += ": no address asked"
	}
	if len(p.Loopback) > 0 {
		head += "; loopback " + firstOf(p.Loopback) + " not asked" // a reply can hold hundreds
	}
	tw.line(indent, s.Dim.Render(clean(head)))
	for _, srv := range p.Servers {
		for _, q := range srv.Queries {
			tw.line(indent+1, s.Server.Render(clean(srv.Name))+" "+s.Addr.Render(clean(srv.Address))+"  "+s.Dim.Render("SOA ")+tw.queryText(q))
			tw.renderRetries(q, indent+2)
		}
	}
}
