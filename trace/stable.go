package trace

import (
	"fmt"
	"strings"
)

// Replies arrive in any order, so some choices the engine makes as it goes
// (which step first needed a shared lookup, which step's servers were
// surveyed first) depend on timing. stabilize redoes those choices in an
// order that depends only on what was asked and answered, so the same
// servers give the same trace. Called with r.mu held, after every
// goroutine has ended.
func (r *run) stabilize() {
	k := &stableKeys{tr: r.tr, steps: map[int]string{}, lookups: map[int]string{}, busy: map[int]bool{}}
	// A shared NS address lookup belongs to the first step, in this
	// order, that needed it. A key depends on the owners of the lookups
	// and the parents of the steps above it, so repeat until nothing
	// moves: a move settles at least one level, so there are at most as
	// many passes as lookups and steps.
	for pass := 0; pass < len(r.tr.Lookups)+len(r.tr.Steps)+1; pass++ {
		moved := false
		for _, l := range r.tr.Lookups {
			if l.Reason != ReasonNSAddr && len(r.requesters[l.ID]) < 2 { // or a shared alias target
				continue
			}
			best, bestKey := -1, ""
			for _, id := range r.requesters[l.ID] {
				if key := k.step(id); best < 0 || key < bestKey {
					best, bestKey = id, key
				}
			}
			if st := r.tr.StepByID(best); st != nil && l.FromStep != best {
				l.FromStep, l.Parent, moved = best, st.Lookup, true
			}
		}
		moved = r.stabilizeJoins(k) || moved
		k.steps, k.lookups = map[int]string{}, map[int]string{}
		if !moved {
			break
		}
	}
	// A zone's servers are surveyed once per run, by whichever step asked
	// them first; the survey belongs to the first such step in this order.
	type holder struct {
		st  *Step
		srv *Server
	}
	groups := map[string][]holder{}
	for _, st := range r.tr.Steps {
		for _, s := range st.Servers {
			key := st.Zone + "|" + s.Address
			groups[key] = append(groups[key], holder{st, s})
		}
	}
	for _, hs := range groups {
		if len(hs) < 2 {
			continue
		}
		var from *holder
		to := hs[0]
		for i := range hs {
			if surveyOf(hs[i].srv) != nil {
				from = &hs[i]
			}
			if k.step(hs[i].st.ID) < k.step(to.st.ID) {
				to = hs[i]
			}
		}
		if from == nil || from.srv == to.srv {
			continue
		}
		moved := surveyOf(from.srv)
		var kept []*Query
		for _, q := range from.srv.Queries {
			if q.Purpose == PurposeResolve || q.Purpose == PurposeDS {
				kept = append(kept, q)
			}
		}
		from.srv.Queries = kept
		to.srv.Queries = append(to.srv.Queries, moved...)
	}
}

// surveyOf returns a server's survey and probe queries.
func surveyOf(s *Server) []*Query {
	var out []*Query
	for _, q := range s.Queries {
		if q.Purpose != PurposeResolve && q.Purpose != PurposeDS { // a DS question belongs to its step's referral
			out = append(out, q)
		}
	}
	return out
}

// stableKeys names steps and lookups by what they are (the lookup they
// serve, the path of zones that led to them, the servers they were sent
// to), not by their IDs, which follow the order of events.
type stableKeys struct {
	tr      *Trace
	steps   map[int]string
	lookups map[int]string
	busy    map[int]bool
}

func (k *stableKeys) step(id int) string {
	if s, ok := k.steps[id]; ok {
		return s
	}
	st := k.tr.StepByID(id)
	if st == nil {
		return ""
	}
	var path []string
	for s := st; s != nil; s = k.tr.StepByID(s.Parent) {
		var ns []string
		for _, h := range s.Delegation.NS {
			ns = append(ns, h.Name)
		}
		path = append([]string{s.Zone + "(" + strings.Join(ns, ",") + ")"}, path...)
	}
	lk := k.lookup(st.Lookup)
	// The query's own steps first, then sub-lookups by depth.
	key := fmt.Sprintf("%03d ", strings.Count(lk, "<")) + lk + "|" + strings.Join(path, ">")
	k.steps[id] = key
	return key
}

func (k *stableKeys) lookup(id int) string {
	if s, ok := k.lookups[id]; ok {
		return s
	}
	l := k.tr.LookupByID(id)
	if l == nil || k.busy[id] {
		return ""
	}
	k.busy[id] = true
	defer delete(k.busy, id)
	// The query comes first, then lookups by depth: fewer "<" first.
	key := l.Name + "/" + l.Type
	if l.Parent >= 0 {
		key = k.lookup(l.Parent) + "<" + key + "@" + k.step(l.FromStep)
	}
	k.lookups[id] = key
	return key
}
