package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

// A Rule is one finding of the catalogue: what it is (ID, severity, title,
// documentation, references) and how to find it. Rules are shaped like
// go/analysis analyzers: Run reads the finished trace through a Pass and
// reports what it finds. One rule lives in one file, beside its test.
type Rule struct {
	ID       string
	Severity Severity // the usual severity; a finding may be reported higher or lower
	Title    string   // one line, for listings
	// Doc says what the finding means and why it matters, in plain words,
	// for `ddx explain` and docs/findings.md.
	Doc  string
	Fix  string // what an operator does about it, in general
	Refs []string
	// Run reports the rule's findings on a trace. Nil for rules that read
	// something else than a trace (the resolver comparison).
	Run func(*Pass)
}

// A Pass is one rule's view of one trace. Rules must not modify the trace.
type Pass struct {
	Trace *trace.Trace
	zones []*zoneView
	rule  *Rule
	out   []Finding
}

// Report records a finding of the pass's rule at the rule's severity.
// ID, severity and references default to the rule's.
func (p *Pass) Report(f Finding) { p.ReportAt(p.rule.Severity, f) }

// ReportAt records a finding at a severity other than the rule's usual one.
func (p *Pass) ReportAt(sev Severity, f Finding) {
	p.out = append(p.out, p.rule.stamp(sev, f))
}

// stamp makes f a finding of r at sev, with r's references and fix unless
// f has its own.
func (r *Rule) stamp(sev Severity, f Finding) Finding {
	if f.ID != "" && f.ID != r.ID {
		panic(fmt.Sprintf("diagnose: rule %s reported %s", r.ID, f.ID))
	}
	f.ID, f.Severity = r.ID, sev
	if f.Refs == nil {
		f.Refs = r.Refs
	}
	if f.Fix == "" {
		f.Fix = r.Fix
	}
	return f
}

// Rules returns the catalogue this build implements, in a stable order.
func Rules() []*Rule {
	out := slices.Clone(rules)
	slices.SortFunc(out, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// RuleByID returns the rule with the given ID, or nil.
func RuleByID(id string) *Rule {
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// Diagnose returns the findings of a trace, most severe first.
func Diagnose(t *trace.Trace) []Finding {
	fs := []Finding{}
	zs := zones(t)
	for _, r := range rules {
		if r.Run == nil {
			continue
		}
		p := &Pass{Trace: t, zones: zs, rule: r}
		r.Run(p)
		fs = append(fs, p.out...)
	}
	fs = append(fs, transferContent(zs, fs)...)
	sortFindings(fs)
	return fs
}
