package ui

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

// status is what a node's symbol and colour say about it.
type status int

const (
	stNone status = iota
	stOK
	stReferral
	stPending
	stTimeout
	stRefused
	stLame
	stError
	stNegative // NXDOMAIN or NODATA: an answer, but not a yes
	stAlias
)

// The symbols of the text output and the explorer, the same in both.
const (
	symOK       = "✓"
	symReferral = "→"
	symAlias    = "↪"
	symNegative = "∅"
	symPending  = "…"
	symTimeout  = "⏱"
	symRefused  = "⊘"
	symError    = "✗"
	symLookup   = "↳"
)

// legend explains the symbols, for the help screen.
const legend = symOK + " answer  " + symReferral + " referral  " + symAlias + " alias  " + symNegative +
	" no such name or no data  " + symLookup + " address lookup\n" + symPending + " pending  " + symTimeout + " timeout  " +
	symRefused + " refused  " + symError + " error  ! in a finding"

// symbol makes a status readable without colour.
func (s status) symbol() string {
	return [...]string{" ", symOK, symReferral, symPending, symTimeout, symRefused, symError, symError, symNegative, symAlias}[s]
}

// problem reports whether the status is something gone wrong.
func (s status) problem() bool {
	switch s {
	case stTimeout, stRefused, stLame, stError:
		return true
	}
	return false
}

// classStatus is what a query's reply (or its failure) means, the same
// in the text and the tree.
func classStatus(q *trace.Query) status {
	if !q.OK() && q.Error != "" {
		if q.ErrorKind == "timeout" {
			return stTimeout
		}
		return stError
	}
	switch q.Class {
	case trace.ClassAnswer:
		return stOK
	case trace.ClassCNAME:
		return stAlias
	case trace.ClassNXDomain:
		return stNegative
	case trace.ClassNoData:
		if q.Purpose == trace.PurposeSOA || q.Purpose == trace.PurposeNS {
			return stError // the apex has an SOA and NS records
		}
		return stNegative
	case trace.ClassReferral:
		return stReferral
	case trace.ClassRefused:
		if q.Purpose == trace.PurposeAXFR {
			return stNegative // a refused zone transfer is as it should be
		}
		return stRefused
	case trace.ClassLame, trace.ClassUpward:
		return stLame
	}
	return stError
}

// count is n and the noun, plural unless n is 1: "1 finding", "2 tries".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey"):
		noun = strings.TrimSuffix(noun, "y") + "ie"
	case strings.HasSuffix(noun, "s"):
		noun += "e"
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
