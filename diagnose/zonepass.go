package diagnose

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// A ZoneFinding is a finding about zone content, with where in the zone
// file it was found: the record's file and first line (Line 0: about the
// whole file, or a transfer).
type ZoneFinding struct {
	Finding
	File string      `json:"file,omitempty"`
	Line int         `json:"line,omitempty"`
	rec  *ZoneRecord // the record it is about, nil for the whole zone
}

// A ZonePass is one rule's view of one zone's content, as a Pass is of a
// trace. Rules must not modify the content.
type ZonePass struct {
	Zone    *ZoneContent
	rule    *Rule
	out     []ZoneFinding
	dropped int
}

// maxPerRule bounds the findings one rule reports on one zone: a hostile
// or generated file must not produce a million lines of output.
const maxPerRule = 200

// Report records a finding about rec (nil: the whole zone) at the rule's
// severity. Zone defaults to the zone's origin.
func (p *ZonePass) Report(rec *ZoneRecord, f Finding) { p.ReportAt(p.rule.Severity, rec, f) }

// ReportAt records a finding at a severity other than the rule's usual one.
func (p *ZonePass) ReportAt(sev Severity, rec *ZoneRecord, f Finding) {
	if len(p.out) >= maxPerRule {
		p.dropped++
		return
	}
	if f.Zone == "" {
		f.Zone = p.Zone.Origin
	}
	if f.Servers == nil {
		f.Servers = []string{}
	}
	zf := ZoneFinding{Finding: p.rule.stamp(sev, f), File: p.Zone.File}
	if rec != nil {
		zf.File, zf.Line, zf.rec = rec.File, rec.Line, rec
	}
	p.out = append(p.out, zf)
}

// A zoneRule runs a rule of the catalogue over zone content.
type zoneRule struct {
	rule *Rule
	// whole: the rule needs the whole zone, so it does not run when
	// reading stopped early (Complete is false).
	whole bool
	run   func(*ZonePass)
}

// LintReport is the result of linting a zone file: the one model that
// text and JSON render.
type LintReport struct {
	File     string        `json:"file"`
	Origin   string        `json:"origin"`
	Records  int           `json:"records"`
	Complete bool          `json:"complete"`
	Findings []ZoneFinding `json:"findings"`
}

// Lint runs the zone-content rules over z.
func Lint(z *ZoneContent) *LintReport {
	rep := &LintReport{File: z.File, Origin: z.Origin, Records: len(z.Records), Complete: z.Complete, Findings: []ZoneFinding{}}
	// The rules only read the content: they run side by side, as many
	// at a time as there are CPUs, and report in the table's order.
	passes := make([]*ZonePass, len(zoneRules))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(zoneRules)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				zr := zoneRules[i]
				passes[i] = &ZonePass{Zone: z, rule: zr.rule}
				zr.run(passes[i])
			}
		}()
	}
	for i, zr := range zoneRules {
		if !zr.whole || z.Complete {
			work <- i
		}
	}
	close(work)
	wg.Wait()
	for i, zr := range zoneRules {
		p := passes[i]
		if p == nil {
			continue
		}
		if p.dropped > 0 {
			p.out = append(p.out, ZoneFinding{File: z.File, Finding: zr.rule.stamp(zr.rule.Severity, Finding{
				Zone: z.Origin, Servers: []string{},
				Summary:     fmt.Sprintf("%d more %s findings not shown", p.dropped, zr.rule.ID),
				Explanation: fmt.Sprintf("ddx reports at most %d %s findings per zone; %d more were found. Fix the ones shown and check again (ddx lint on the zone file, or ddx check on the zone).", maxPerRule, zr.rule.ID, p.dropped),
			})})
		}
		rep.Findings = append(rep.Findings, p.out...)
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.File != b.File {
			// Findings about the whole file come first.
			return a.File == z.File || (b.File != z.File && a.File < b.File)
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.ID < b.ID
	})
	return rep
}

// Worst is the highest severity among the findings, or -1 if none.
func (r *LintReport) Worst() Severity {
	w := Severity(-1)
	for _, f := range r.Findings {
		if f.Severity > w {
			w = f.Severity
		}
	}
	return w
}

// ZoneRules returns the IDs of the rules that run over zone content.
func ZoneRules() []string {
	var ids []string
	for _, zr := range zoneRules {
		ids = append(ids, zr.rule.ID)
	}
	return ids
}
