package trace

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// Cost follows the question, not the attacker: a zone cut of a dozen
// names with a few addresses each is asked whole, a wider one through a
// deterministic sample, the way resolvers bound their target fetches
// (Unbound's target-fetch-policy, BIND's max-recursion-queries, RFC 9471
// and the NXNSAttack paper's MaxFetch). A question already put to an
// address is answered from the run's own record, and a reply is kept
// whole only up to a few KiB.

// probeBudget bounds the in-zone address probes of one cut (servers ×
// in-zone names × address types): a dozen in-zone names at three
// addresses each fit, so ordinary zones are probed whole. A sampled cut
// gets probeBudgetSampled: a window of one or two in-zone names per
// server (48 addresses, A and AAAA), so each of 20 in-zone names is still
// asked of two servers or more. The probes were most of a sampled cut's
// cost: at a window of 3 names, 240 of the 409 packets of a cut of 400
// servers; at 1, 80 of 249.
const (
	probeBudget        = 1024
	probeBudgetSampled = 128
)

// Replies are kept whole up to replyKeep bytes; once the run has kept
// runKeep bytes of replies, up to replyKeepLean. Beyond that a reply keeps
// the records a resolver acts on first (see trimReply).
const (
	replyKeep     = 4096
	replyKeepLean = 1232
	runKeep       = 4 << 20
	// referralKeep bounds the NS names and glue a reply keeps: 20 names
	// with 20 addresses each fit.
	referralKeep = 16 << 10
)

// perName is how many addresses of each of a cut's hosts are asked: all
// of them while the cut has at most Budget.Addresses, else an equal share
// (at least one per name).
func (r *run) perName(hosts int) int {
	return max(1, r.cfg.Budget.Addresses/max(1, hosts))
}

// sampleAddrs picks the addresses of one name server to ask, in a fixed
// order (address order, so the same servers give the same sample), and
// says how many were left out.
func sampleAddrs(addrs []string, k int) ([]string, int) {
	if len(addrs) <= k {
		return addrs, 0
	}
	sorted := append([]string(nil), addrs...)
	sort.SliceStable(sorted, func(i, j int) bool { return addrLess(sorted[i], sorted[j]) })
	return sorted[:k], len(addrs) - k
}

// planSample records the shape of a cut's sample before its servers are
// asked: how many addresses each name gets and how many in-zone names
// each server is asked the address of. Glueless names (as many as are
// resolved) count as a full share, whatever their lookups find. A wide
// cut (more names than are used, or more addresses than are asked) gets
// the smaller probe budget.
func (r *run) planSample(st *Step, hosts []NSHost, k int, wide bool) {
	planned, inZone, glueless, budget := 0, 0, 0, probeBudget
	if wide {
		budget = probeBudgetSampled
	}
	for _, h := range hosts {
		if len(h.Addrs) > k {
			budget = probeBudgetSampled
		}
		if len(h.Addrs) > 0 {
			planned += min(k, len(h.Addrs))
		} else if glueless < r.cfg.Budget.NSResolved {
			glueless++
			planned += k
		}
		if st.Zone != "." && IsSubdomain(st.Zone, h.Name) {
			inZone++
		}
	}
	types := 0
	if !r.cfg.NoIPv4 {
		types++
	}
	if !r.cfg.NoIPv6 {
		types++
	}
	window := inZone
	if planned*inZone*types > budget {
		window = max(1, budget/(max(1, planned)*max(1, types)))
	}
	r.mu.Lock()
	st.sample = map[string]int{}
	st.window = window
	r.mu.Unlock()
}

// sampled records that a cut asks only some of a name's addresses.
func (r *run) sampled(st *Step, name string, left, total, k int) {
	r.mu.Lock()
	st.Unasked += left
	st.Skipped = append(st.Skipped, fmt.Sprintf("%s: %d of %d addresses not asked (a sample of %d per name)", name, left, total, k))
	r.mu.Unlock()
	r.limit(BudgetAddresses, fmt.Sprintf("no more than %d server addresses asked per zone cut; wider cuts are sampled (%s)", r.cfg.Budget.Addresses, st.Zone), st.ID)
}

// sampleSurvey keeps the address probes a server of a wide cut is asked:
// a window of the cut's in-zone names that starts at the server's place
// in the sample, so every name is asked of several servers and no server
// is asked of them all. Ordinary cuts keep every probe.
func (r *run) sampleSurvey(st *Step, srv *Server, ps []probe) []probe {
	r.mu.Lock()
	defer r.mu.Unlock()
	var inZone []string
	for i, h := range st.Delegation.NS {
		if i >= r.cfg.Budget.NSPerZone {
			break
		}
		if st.Zone != "." && IsSubdomain(st.Zone, h.Name) {
			inZone = append(inZone, h.Name)
		}
	}
	index := map[string]int{}
	for i, n := range inZone {
		index[n] = i
	}
	pos := st.sample[srv.Address]
	out := ps[:0:0]
	for _, p := range ps {
		if p.purpose == PurposeAddress {
			j, ok := index[p.name]
			if !ok || st.window < len(inZone) && ((j-pos)%len(inZone)+len(inZone))%len(inZone) >= st.window {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// asked is one question to one address, shared by every step and
// sub-lookup of the run that puts it: the first asks, the rest copy its
// record when it is a verdict on the server (a reply, or a server fault).
type asked struct {
	done chan struct{}
	q    *Query // a copy of the first record, nil when it was no verdict
}

func askKey(addr netip.AddrPort, name string, qtype uint16, rd bool, purpose Purpose) string {
	return fmt.Sprintf("%s|%s|%d|%t|%t", addr, strings.ToLower(name), qtype, rd, purpose == PurposeTCP)
}

// recall returns the run's record of a question already put to an
// address, waiting for it while the first asker is still waiting for
// the server. It returns nil, true when the caller is to ask (and then
// must call remember), and nil, false when ctx ended first.
func (r *run) recall(ctx context.Context, key string, purpose Purpose) (*Query, *asked, bool) {
	r.mu.Lock()
	e := r.asked[key]
	if e == nil {
		e = &asked{done: make(chan struct{})}
		r.asked[key] = e
		r.mu.Unlock()
		return nil, e, true
	}
	r.mu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, nil, false
	}
	if e.q == nil {
		return nil, nil, true // the first asker got no verdict: ask
	}
	q := e.q.clone()
	q.Purpose, q.Reused = purpose, true
	return q, nil, true
}

// remember keeps the record of a question for the rest of the run, when
// it says something about the server.
func (r *run) remember(key string, e *asked, q *Query) {
	if e == nil {
		return
	}
	r.mu.Lock()
	if q.OK() || q.ErrorKind.ServerFault() {
		e.q = q.clone()
	} else {
		delete(r.asked, key) // a later question asks again
	}
	r.mu.Unlock()
	close(e.done)
}

// clone copies a query record: its attempts are copied, its reply (never
// modified once received) is shared.
func (q *Query) clone() *Query {
	c := *q
	c.Attempts = make([]*Attempt, len(q.Attempts))
	for i, a := range q.Attempts {
		ac := *a
		c.Attempts[i] = &ac
	}
	c.Flags = append([]string(nil), q.Flags...)
	return &c
}

// trimCount says what trimming left out of a reply: records, NS names of
// a referral, and the addresses of each kept NS name.
type trimCount struct {
	records, ns int
	glue        map[string]int
}

// keep bounds what a reply costs the run: whole up to replyKeep bytes
// (replyKeepLean once the run has kept runKeep), else trimmed. It returns
// the message to keep and what was left out.
func (r *run) keep(m *dns.Msg, size int) (*dns.Msg, trimCount) {
	r.mu.Lock()
	limit, nsLimit := replyKeep, referralKeep
	if r.kept > runKeep {
		limit, nsLimit = replyKeepLean, replyKeepLean
	}
	r.mu.Unlock()
	out, left := trimReply(m, size, limit, nsLimit, r.cfg.Budget.NSPerZone)
	kept := size
	if out != m {
		kept = out.Len()
	}
	r.mu.Lock()
	r.kept += kept
	r.mu.Unlock()
	return out, left
}

// firstNS returns the NS records of the first owner that has some in rrs.
func firstNS(rrs []dns.RR) (string, []*dns.NS) {
	owner := ""
	var ns []*dns.NS
	for _, rr := range rrs {
		if v, ok := rr.(*dns.NS); ok {
			if owner == "" {
				owner = strings.ToLower(v.Hdr.Name)
			}
			if strings.EqualFold(v.Hdr.Name, owner) {
				ns = append(ns, v)
			}
		}
	}
	return owner, ns
}

// trimReply returns m when it is at most limit bytes (size) and its NS
// sets (of a referral, or an NS answer) name at most nsMax servers; else
// a copy with the records a resolver acts on first, in their order: the
// SOA, the first nsMax names (sorted) of each NS set, their addresses in
// turn (these up to nsLimit bytes, so that a referral keeps its glue),
// then, up to limit bytes, the answer, and the rest of the authority and
// additional sections. The EDNS record is always kept. An NS set keeps
// the same first names on both sides of a delegation, so the parent's
// and the zone's lists still compare.
func trimReply(m *dns.Msg, size, limit, nsLimit, nsMax int) (*dns.Msg, trimCount) {
	owner, ns := firstNS(m.Ns)
	ansOwner, ansNS := firstNS(m.Answer)
	if size <= limit && len(ns) <= nsMax && len(ansNS) <= nsMax {
		return m, trimCount{}
	}
	keptNS := map[dns.RR]bool{}
	names := map[string]bool{}
	var order []string
	for _, set := range [][]*dns.NS{ns, ansNS} {
		sort.SliceStable(set, func(i, j int) bool { return strings.ToLower(set[i].Ns) < strings.ToLower(set[j].Ns) })
		for i, v := range set {
			if i >= nsMax {
				break
			}
			keptNS[v] = true
			if n := strings.ToLower(v.Ns); !names[n] {
				names[n] = true
				order = append(order, n)
			}
		}
	}
	used := 12
	for _, q := range m.Question {
		used += len(q.Name) + 5
	}
	keep := map[dns.RR]bool{}
	take := func(rr dns.RR, bound int) {
		if keep[rr] {
			return
		}
		if n := dns.Len(rr); used+n <= bound || rr.Header().Rrtype == dns.TypeOPT {
			keep[rr] = true
			used += n
		}
	}
	for _, rr := range m.Extra {
		if rr.Header().Rrtype == dns.TypeOPT {
			take(rr, limit)
		}
	}
	for _, rr := range m.Ns {
		if rr.Header().Rrtype == dns.TypeSOA || keptNS[rr] {
			take(rr, max(limit, nsLimit))
		}
	}
	for _, rr := range m.Answer {
		if keptNS[rr] {
			take(rr, max(limit, nsLimit))
		}
	}
	// Addresses for the kept names, one per name in turn.
	byName := map[string][]dns.RR{}
	for _, rr := range m.Extra {
		if t := rr.Header().Rrtype; t == dns.TypeA || t == dns.TypeAAAA {
			n := strings.ToLower(rr.Header().Name)
			if names[n] {
				byName[n] = append(byName[n], rr)
			}
		}
	}
	for round := 0; ; round++ {
		more := false
		for _, n := range order {
			if round < len(byName[n]) {
				take(byName[n][round], max(limit, nsLimit))
				more = true
			}
		}
		if !more {
			break
		}
	}
	beyond := func(rr dns.RR, owner string) bool { // NS names beyond nsMax are counted, not kept
		v, ok := rr.(*dns.NS)
		return ok && strings.EqualFold(v.Hdr.Name, owner) && !keptNS[rr]
	}
	for _, rr := range m.Answer {
		if !beyond(rr, ansOwner) {
			take(rr, limit)
		}
	}
	for _, rr := range m.Ns {
		if !beyond(rr, owner) {
			take(rr, limit)
		}
	}
	for _, rr := range m.Extra {
		take(rr, limit)
	}
	out := new(dns.Msg)
	out.MsgHdr, out.Compress = m.MsgHdr, m.Compress
	out.Question = m.Question
	dropped := 0
	filter := func(rrs []dns.RR) []dns.RR {
		var kept []dns.RR
		for _, rr := range rrs {
			if keep[rr] {
				kept = append(kept, rr)
			} else {
				dropped++
			}
		}
		return kept
	}
	out.Answer, out.Ns, out.Extra = filter(m.Answer), filter(m.Ns), filter(m.Extra)
	glue := map[string]int{}
	for n, rrs := range byName {
		for _, rr := range rrs {
			if !keep[rr] {
				glue[n]++
			}
		}
	}
	return out, trimCount{records: dropped, ns: max(0, len(ns)-nsMax), glue: glue}
}

// stabilizeJoins gives a step reached by several branches (SameAs) to the
// first of their parent steps in the stable order, and the alias result
// that owns a shared lookup (Lookup, not SameLookup) to the step the
// lookup now comes from, so that which branch got there first leaves no
// mark. It reports whether anything moved. Called with r.mu held.
func (r *run) stabilizeJoins(k *stableKeys) bool {
	moved := false
	byStep := map[int][]*Result{} // step → results of other steps that joined it
	parentOf := map[*Result]int{}
	for _, st := range r.tr.Steps {
		for _, res := range st.Results {
			if res.SameAs > 0 {
				byStep[res.SameAs] = append(byStep[res.SameAs], res)
				parentOf[res] = st.ID
			}
		}
	}
	for id, joined := range byStep {
		st := r.tr.StepByID(id)
		if st == nil || r.tr.StepByID(st.Parent) == nil {
			continue
		}
		p := r.tr.StepByID(st.Parent)
		var own *Result
		for _, res := range p.Results {
			if res.Next == id {
				own = res
			}
		}
		if own == nil {
			continue
		}
		best, bestKey := own, k.step(p.ID)
		for _, res := range joined {
			if key := k.step(parentOf[res]); key < bestKey {
				best, bestKey = res, key
			}
		}
		if best != own {
			own.Next, own.SameAs = -1, id
			best.Next, best.SameAs = id, 0
			st.Parent, moved = parentOf[best], true
		}
	}
	for _, l := range r.tr.Lookups {
		if l.Reason != ReasonCNAME {
			continue
		}
		var owner, there *Result
		for _, st := range r.tr.Steps {
			for _, res := range st.Results {
				if res.Kind != KindCNAME {
					continue
				}
				if res.Lookup == l.ID {
					owner = res
				}
				if res.SameLookup == l.ID && st.ID == l.FromStep {
					there = res
				}
			}
		}
		if owner != nil && there != nil {
			owner.Lookup, owner.SameLookup, owner.Why = -1, l.ID, there.Why
			there.Lookup, there.SameLookup, there.Why = l.ID, 0, "alias to "+there.Target
			moved = true
		}
	}
	return moved
}
