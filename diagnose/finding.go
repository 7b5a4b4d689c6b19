// Package diagnose turns a finished trace into findings an operator can act
// on. It is a pure function of the trace: no network, no clock.
package diagnose

import (
	"sort"

	"github.com/ddxdns/ddx/trace"
)

// Severity follows Zonemaster's scale.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Notice
	Warning
	Error
	Critical
)

var severityNames = []string{"info", "notice", "warning", "error", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// MarshalText makes severities appear by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads a severity name.
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), true
		}
	}
	return 0, false
}

// Finding is one problem, with its evidence and fix. ID is a public
// interface: see FINDINGS.md.
type Finding struct {
	ID          string   `json:"id"`
	Severity    Severity `json:"severity"`
	Zone        string   `json:"zone"`
	Servers     []string `json:"servers"`
	Summary     string   `json:"summary"`
	Explanation string   `json:"explanation"`
	Fix         string   `json:"fix"`
	Refs        []string `json:"refs"`
	// Steps and Queries point at the evidence in the trace: step IDs and
	// query IDs.
	Steps   []int `json:"steps,omitempty"`
	Queries []int `json:"queries,omitempty"`
}

// Report is a trace with its findings: the one result model that text,
// JSON and the TUI render.
type Report struct {
	*trace.Trace
	// Security is the DNSSEC validation state of the outcome (secure,
	// insecure, bogus, indeterminate); empty with --no-dnssec.
	Security Security `json:"security,omitempty"`
	// Chain is each zone's link in the chain of trust, from the root
	// down; empty with --no-dnssec.
	Chain    []ChainLink `json:"chain,omitempty"`
	Findings []Finding   `json:"findings"`
}

// New diagnoses a trace.
func New(t *trace.Trace) *Report {
	r := &Report{Trace: t, Findings: Diagnose(t)}
	r.Security = securityOf(t, r.Findings)
	r.Chain = Chain(t)
	return r
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Severity != fs[j].Severity {
			return fs[i].Severity > fs[j].Severity
		}
		if fs[i].Zone != fs[j].Zone {
			return fs[i].Zone < fs[j].Zone
		}
		return fs[i].ID < fs[j].ID
	})
}

// Worst is the highest severity among the findings, or -1 if none.
func (r *Report) Worst() Severity {
	w := Severity(-1)
	for _, f := range r.Findings {
		if f.Severity > w {
			w = f.Severity
		}
	}
	return w
}
