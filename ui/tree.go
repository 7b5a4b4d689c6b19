package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

type nodeKind int

const (
	nkStep nodeKind = iota
	nkLookup
	nkServer
	nkQuery
	nkAttempt
	nkResult
	nkRecord
	nkGroup // servers that all said the same, healthy thing
)

// node is one line of the tree: a zone cut, a server, a query, a reply, a
// sub-lookup or a result, with what it came from.
type node struct {
	key      string
	kind     nodeKind
	label    string
	status   status
	flagged  bool
	children []*node
	parent   *node

	step   *trace.Step
	server *trace.Server
	query  *trace.Query
	result *trace.Result
	lookup *trace.Lookup
	host   *trace.NSHost
}

// treeBuilder turns a (possibly partial) trace into nodes.
type treeBuilder struct {
	t       *trace.Trace
	flagged map[string]bool // server labels and "step N" involved in findings
	seen    map[int]bool    // steps already placed (guards against cycles)
	placed  map[int]bool    // glueless lookups already placed
}

func buildTree(t *trace.Trace, findings []diagnose.Finding) []*node {
	b := &treeBuilder{t: t, flagged: map[string]bool{}, seen: map[int]bool{}, placed: map[int]bool{}}
	for _, f := range findings {
		for _, s := range f.Servers {
			b.flagged[s] = true
		}
		for _, id := range f.Steps {
			b.flagged[fmt.Sprintf("step %d", id)] = true
		}
	}
	roots := b.lookupSteps(0, nil)
	return roots
}

func (b *treeBuilder) lookupSteps(id int, parent *node) []*node {
	var out []*node
	for _, st := range b.t.Steps {
		if st != nil && st.Lookup == id && st.Parent < 0 {
			if n := b.stepNode(st, parent); n != nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func (b *treeBuilder) stepNode(st *trace.Step, parent *node) *node {
	if b.seen[st.ID] {
		return nil
	}
	b.seen[st.ID] = true
	n := &node{key: fmt.Sprintf("s%d", st.ID), kind: nkStep, step: st, parent: parent,
		flagged: b.flagged[fmt.Sprintf("step %d", st.ID)]}
	asked := 0
	for _, s := range st.Servers {
		if s != nil {
			asked++
		}
	}
	// The question is in the title: a zone cut names it only when it asks
	// another (a glueless server's address, an alias's target).
	asks := ""
	if q := b.t.Query; st.Name != q.Name || st.Type != q.Type {
		asks = st.Name + " " + st.Type + " · "
	}
	n.label = clean(fmt.Sprintf("%s  %s%s, %s", zoneName(st.Zone), asks, count(len(st.Delegation.NS), "name server"), count(asked, "address")))
	n.status = stepStatus(st)
	for i := range st.Delegation.NS {
		h := &st.Delegation.NS[i]
		if len(h.Lookup) == 0 {
			if h.Error != "" {
				n.children = append(n.children, &node{key: n.key + "/h" + h.Name, kind: nkRecord, parent: n, status: stError,
					label: clean(h.Name + ": " + h.Error)})
			}
			continue
		}
		n.children = append(n.children, b.hostNode(st, h, n))
	}
	var servers []*node
	for _, s := range st.Servers {
		if s != nil {
			servers = append(servers, b.serverNode(st, s, n))
		}
	}
	n.children = append(n.children, groupHealthy(n, servers)...)
	for i, r := range st.Results {
		n.children = append(n.children, b.resultNode(st, r, i, n))
	}
	return n
}

// hostNode is a glueless name server: one line saying where its
// addresses came from; its A and AAAA lookups below, folded.
func (b *treeBuilder) hostNode(st *trace.Step, h *trace.NSHost, parent *node) *node {
	sum := summarizeNS(b.t, st, *h, b.placed)
	n := &node{key: fmt.Sprintf("s%d/ns/%s", st.ID, h.Name), kind: nkLookup, host: h, step: st, parent: parent, flagged: b.flagged[h.Name],
		label: symLookup + " " + sum.text(), status: sum.status()}
	if sum.reused {
		return n
	}
	for _, lid := range h.Lookup {
		l := b.t.LookupByID(lid)
		if l == nil {
			continue
		}
		if n.lookup == nil {
			n.lookup = l
		}
		ln := &node{key: fmt.Sprintf("l%d", lid), kind: nkLookup, lookup: l, step: st, parent: n,
			label: clean(l.Type + ": " + lookupWords(l)), status: lookupStatus(l)}
		ln.children = b.lookupSteps(lid, ln)
		n.children = append(n.children, ln)
	}
	return n
}

// groupHealthy folds the servers of a zone cut into one line when they
// all said the same thing and none is in a finding: the healthy part of
// the story, one key away.
func groupHealthy(step *node, servers []*node) []*node {
	if len(servers) < 2 {
		return servers
	}
	what := func(n *node) string {
		_, w, _ := strings.Cut(n.label, "  ")
		w, _, _ = strings.Cut(w, "  ")
		return w
	}
	var names []string
	for _, sn := range servers {
		if sn.flagged || sn.status.problem() || sn.status == stPending || sn.status != servers[0].status || what(sn) != what(servers[0]) {
			return servers
		}
		names = append(names, sn.server.Name+" ("+sn.server.Address+")")
	}
	g := &node{key: step.key + "/all", kind: nkGroup, step: step.step, parent: step, status: servers[0].status, children: servers}
	who := serverNames(names)
	if n := len(servers); !strings.Contains(who, fmt.Sprintf("%d more", n)) {
		who += fmt.Sprintf(" (%s)", count(n, "address"))
	}
	g.label = clean(who + ": " + what(servers[0]))
	for _, sn := range servers {
		sn.parent = g
	}
	return []*node{g}
}

func lookupStatus(l *trace.Lookup) status {
	switch {
	case len(l.Addrs) > 0:
		return stOK
	case l.Outcome.Rcode == trace.RcodeNoData || l.Outcome.Rcode == trace.RcodeNXDomain:
		return stNegative
	}
	return rcodeStatus(l.Outcome.Rcode)
}

func stepStatus(st *trace.Step) status {
	if len(st.Results) == 0 {
		return stPending
	}
	s := stOK
	for _, r := range st.Results {
		switch r.Kind {
		case trace.KindFailed:
			return stError
		case trace.KindReferral:
			s = stReferral
		}
	}
	return s
}

// countServers is the number of server addresses a step asked.
func countServers(st *trace.Step) int {
	n := 0
	for _, s := range st.Servers {
		if s != nil {
			n++
		}
	}
	return n
}

func rcodeStatus(rcode string) status {
	switch rcode {
	case trace.RcodeNoError:
		return stOK
	case trace.RcodeNoData, trace.RcodeNXDomain:
		return stNegative
	case "":
		return stPending
	}
	return stError
}

func (b *treeBuilder) serverNode(st *trace.Step, s *trace.Server, parent *node) *node {
	n := &node{key: fmt.Sprintf("s%d/%s/%s", st.ID, s.Address, s.Name), kind: nkServer, server: s, step: st, parent: parent,
		flagged: b.flagged[s.Label()]}
	qs := append([]*trace.Query{}, s.Queries...)
	sort.SliceStable(qs, func(i, j int) bool {
		return qs[i].Purpose == trace.PurposeResolve && qs[j].Purpose != trace.PurposeResolve
	})
	var main *trace.Query
	for _, q := range qs {
		if q.Purpose == trace.PurposeResolve {
			main = q
			break
		}
	}
	what := "asking…"
	n.status = stPending
	if main != nil {
		what, n.status = queryStatus(main)
	}
	n.label = clean(fmt.Sprintf("%s %s  %s", s.Name, s.Address, what))
	for i, q := range qs {
		qn := &node{key: fmt.Sprintf("%s/q%d%s%s%s", n.key, i, q.Purpose, q.Name, q.Type), kind: nkQuery, query: q, server: s, step: st, parent: n}
		w, stt := queryStatus(q)
		qn.status = stt
		qn.label = clean(fmt.Sprintf("%s %s %s: %s", q.Purpose, q.Name, q.Type, w))
		for _, a := range q.Attempts {
			an := &node{key: fmt.Sprintf("%s/a%d%s%v", qn.key, a.Try, a.Transport, a.EDNS), kind: nkAttempt, query: q, server: s, step: st, parent: qn}
			an.label, an.status = attemptText(a)
			qn.children = append(qn.children, an)
		}
		if len(qn.children) == 1 {
			qn.children = nil
		}
		n.children = append(n.children, qn)
	}
	return n
}

// queryStatus is a query's short status text and status.
func queryStatus(q *trace.Query) (string, status) {
	st := classStatus(q)
	if !q.OK() && q.Error != "" {
		return fmt.Sprintf("%s (%s)", q.Error, count(len(q.Attempts), "try")), st
	}
	rtt := fmt.Sprintf("  %s %s", fmtRTT(q.RTTms), q.Transport)
	switch q.Class {
	case trace.ClassAnswer:
		return "answer" + rtt, st
	case trace.ClassCNAME:
		return "alias" + rtt, st
	case trace.ClassNXDomain:
		return "NXDOMAIN" + rtt, st
	case trace.ClassNoData:
		return "NODATA" + rtt, st
	case trace.ClassReferral:
		return "referral to " + referralZone(q) + rtt, st
	case trace.ClassRefused:
		return "REFUSED" + rtt, st
	case trace.ClassLame:
		return "not authoritative (lame)" + rtt, st
	case trace.ClassUpward:
		return "upward referral to " + referralZone(q) + rtt, st
	}
	return q.Rcode + rtt, st
}

func attemptText(a *trace.Attempt) (string, status) {
	edns := "EDNS"
	if !a.EDNS {
		edns = "no EDNS"
	}
	what, st := a.Rcode, stOK
	if a.Error != "" {
		what, st = a.Error, stError
		if a.ErrorKind == "timeout" {
			st = stTimeout
		}
	}
	if a.TC {
		what += " TC=1"
	}
	change := ""
	if a.Change != "" {
		change = " (" + a.Change + ")"
	}
	return clean(fmt.Sprintf("try %d %s %s: %s %s%s", a.Try, a.Transport, edns, what, fmtRTT(a.RTTms), change)), st
}

func fmtRTT(msv float64) string {
	if msv < 10 {
		return fmt.Sprintf("%.1fms", msv)
	}
	return fmt.Sprintf("%.0fms", msv)
}

func (b *treeBuilder) resultNode(st *trace.Step, r *trace.Result, i int, parent *node) *node {
	who := serverNames(r.Servers)
	n := &node{key: fmt.Sprintf("s%d/r%d%s%s%s", st.ID, i, r.Kind, r.Zone, r.Target), kind: nkResult, result: r, step: st, parent: parent}
	switch r.Kind {
	case trace.KindReferral:
		if child := b.t.StepByID(r.Next); child != nil {
			if c := b.stepNode(child, parent); c != nil {
				if all := countServers(st); len(r.Servers) < all {
					c.label = clean(fmt.Sprintf("%s  (referred by %d of %d)", c.label, len(r.Servers), all))
				}
				return c
			}
		}
		n.label, n.status = clean("referral to "+r.Zone+" not followed"), stError
		if r.SameAs > 0 {
			n.label, n.status = clean(fmt.Sprintf("referral to %s: the same servers as step %d, followed there", r.Zone, r.SameAs)), stOK
		}
	case trace.KindCNAME:
		n.label, n.status = clean(fmt.Sprintf("%s is an alias for %s (%s)", st.Name, r.Target, who)), stAlias
		switch {
		case r.Lookup >= 0:
			n.children = b.lookupSteps(r.Lookup, n)
		case r.SameLookup > 0:
			n.label = clean(fmt.Sprintf("%s is an alias for %s (%s), followed once, in lookup %d", st.Name, r.Target, who, r.SameLookup))
		default:
			n.status = stError
			n.label = clean(r.Why)
		}
	case trace.KindAnswer:
		n.label, n.status = clean("answer from "+who), stOK
		for j, rec := range r.Records {
			n.children = append(n.children, &node{key: fmt.Sprintf("%s/%d", n.key, j), kind: nkRecord, parent: n, label: clean(rec)})
		}
	case trace.KindNXDomain:
		n.label, n.status = clean(fmt.Sprintf("NXDOMAIN: %s does not exist (%s)", st.Name, who)), stNegative
	case trace.KindNoData:
		n.label, n.status = clean(fmt.Sprintf("NODATA: no %s records at %s (%s)", st.Type, st.Name, who)), stNegative
	case trace.KindFailed:
		n.label, n.status = clean(failedWords(st, r)), stError
	}
	// A zone below on the same servers: the trace went on in it.
	if child := b.t.StepByID(r.Next); child != nil && child.Parent == st.ID && child.ID != st.ID && r.Kind != trace.KindReferral {
		if c := b.stepNode(child, n); c != nil {
			n.children = append(n.children, c)
		}
	}
	return n
}

// row is one visible line: a node at a depth.
type row struct {
	n     *node
	depth int
}

// flatten lists the visible rows. expanded overrides each node's default;
// keep, when set, limits the rows to nodes it accepts and their ancestors.
func flatten(roots []*node, expanded map[string]bool, keep func(*node) bool) []row {
	var rows []row
	var walk func(n *node, depth int) bool
	walk = func(n *node, depth int) bool {
		mark := len(rows)
		rows = append(rows, row{n, depth})
		any := keep == nil || keep(n)
		if isExpanded(n, expanded) || keep != nil {
			for _, c := range n.children {
				if walk(c, depth+1) {
					any = true
				}
			}
		}
		if !any {
			rows = rows[:mark]
		}
		return any
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return rows
}

// isExpanded: zone cuts and results are open by default; glueless
// lookups, servers and queries are closed until asked.
func isExpanded(n *node, expanded map[string]bool) bool {
	if v, ok := expanded[n.key]; ok {
		return v
	}
	switch n.kind {
	case nkStep, nkResult:
		return true
	}
	return false
}

func walkNodes(roots []*node, fn func(*node)) {
	for _, r := range roots {
		fn(r)
		walkNodes(r.children, fn)
	}
}
