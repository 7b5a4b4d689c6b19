package trace

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// The typed reasons of a trace. Other packages decide by these values,
// never by matching the human words beside them. Each is a string type
// whose JSON value is the constant's text.

// ErrorKind says why a query or an attempt got no usable reply.
type ErrorKind string

// Error kinds. A server fault (timeout, unreachable, tcp, invalid,
// id-mismatch) is distinct from a query ddx stopped waiting for itself
// (abandoned, budget, cancelled).
const (
	ErrKindTimeout     ErrorKind = "timeout"     // no reply within tries × timeout
	ErrKindUnreachable ErrorKind = "unreachable" // ICMP unreachable, connection refused or reset
	ErrKindTCP         ErrorKind = "tcp"         // the TCP exchange failed
	ErrKindInvalid     ErrorKind = "invalid"     // a reply that does not answer the question
	ErrKindIDMismatch  ErrorKind = "id-mismatch" // a reply with another message ID
	ErrKindBudget      ErrorKind = "budget"      // not sent: the run's query budget was spent
	ErrKindCancelled   ErrorKind = "cancelled"   // the run was cancelled
	ErrKindAbandoned   ErrorKind = "abandoned"   // ddx stopped waiting (straggler cut, deadline)
	ErrKindError       ErrorKind = "error"       // any other local error
)

// ServerFault reports whether an error of this kind says something about
// the server rather than about ddx's own limits.
func (k ErrorKind) ServerFault() bool {
	switch k {
	case "", ErrKindBudget, ErrKindCancelled, ErrKindAbandoned, ErrKindError:
		return false
	}
	return true
}

// ResultKind is how a set of servers at a step answered the main question.
type ResultKind string

// Result kinds.
const (
	KindReferral ResultKind = "referral"
	KindAnswer   ResultKind = "answer"
	KindCNAME    ResultKind = "cname"
	KindNXDomain ResultKind = "nxdomain"
	KindNoData   ResultKind = "nodata"
	KindFailed   ResultKind = "failed"
)

// BudgetName names a level-of-effort budget.
type BudgetName string

// Budgets, as recorded in Trace.Limits.
const (
	BudgetQueries       BudgetName = "queries"
	BudgetDeadline      BudgetName = "deadline"
	BudgetSteps         BudgetName = "steps"
	BudgetCNAMEHops     BudgetName = "cname-hops"
	BudgetGluelessDepth BudgetName = "glueless-depth"
	BudgetNSPerZone     BudgetName = "ns-per-zone"
	BudgetNSResolved    BudgetName = "ns-resolved"
	// BudgetAddresses: a zone cut with more server addresses than the
	// budget is asked through a sample of them (Step.Unasked).
	BudgetAddresses BudgetName = "addresses"
	// BudgetTargets: no more lookups of glueless name servers' addresses
	// in this run (NXNSAttack's amplification).
	BudgetTargets BudgetName = "targets"
	// StopCancelled is not a budget: the run was cancelled. It marks what
	// a cancel left undone, as the budgets above do.
	StopCancelled BudgetName = "cancelled"
)

// LookupReason says why a lookup was made.
type LookupReason string

// Reasons a lookup is made.
const (
	ReasonQuery  LookupReason = "query"
	ReasonNSAddr LookupReason = "ns-address"
	ReasonCNAME  LookupReason = "cname-target"
	// The lookups of ddx check's SOA and glue probes (soaprobes.go): they
	// gather evidence and never move resolution on.
	ReasonMNAME       LookupReason = "soa-mname"    // the address of the primary the SOA names
	ReasonRNAME       LookupReason = "soa-rname"    // the MX of the SOA contact's mail domain
	ReasonSiblingGlue LookupReason = "sibling-glue" // a glued name server in a sibling zone
	// ReasonPTR and ReasonPTRTarget are the lookups of --ptr: the PTR of
	// an address of the zone's hosts, and the address of a PTR's target
	// that confirms it (forward-confirmed reverse DNS).
	ReasonPTR       LookupReason = "ptr"
	ReasonPTRTarget LookupReason = "ptr-target"
)

// PTRSource says where --ptr found an address of the zone's hosts.
type PTRSource string

// Sources of the addresses --ptr checks (see ptrSources).
const (
	PTRFromAnswer PTRSource = "answer"    // the answer to the query
	PTRFromNS     PTRSource = "ns"        // a name server of the zone
	PTRFromMX     PTRSource = "mx-target" // an in-zone MX target, as the survey resolved it
	PTRFromAXFR   PTRSource = "transfer"  // an address record of the zone's transfer
)

// PTRVerdict is how the reverse name of one address ended.
type PTRVerdict string

// Verdicts of a PTR check.
const (
	PTRConfirmed PTRVerdict = "confirmed" // a PTR target has the address
	PTRMissing   PTRVerdict = "no-ptr"    // NXDOMAIN or NODATA for the reverse name
	PTRMismatch  PTRVerdict = "mismatch"  // no PTR target resolves back to the address
	PTRUnknown   PTRVerdict = "unknown"   // a lookup failed or was cut short: nothing to judge
)

// Purpose says why a query was sent.
type Purpose string

// Purposes of a query. Only PurposeResolve moves resolution on; the rest
// survey the zone.
const (
	PurposeResolve   Purpose = "resolve"
	PurposeSOA       Purpose = "soa"
	PurposeNS        Purpose = "ns"
	PurposeAddress   Purpose = "address"
	PurposeRecursion Purpose = "recursion"
	PurposeWildcard  Purpose = "wildcard-mx"
	PurposeMX        Purpose = "mx"
	PurposeMXTarget  Purpose = "mx-target"
	PurposeTCP       Purpose = "tcp" // the zone's SOA over TCP only
	// PurposeMNAME asks an address of the primary that the zone's SOA
	// names (MNAME) for the zone's SOA, RD=0 (Step.Primaries).
	PurposeMNAME Purpose = "mname"
)

// ChangeKind says what an attempt changed from the one before it.
type ChangeKind string

// Attempt changes. The first attempt of a query has none (or
// ChangeTCPOnly for the TCP probe).
const (
	ChangeRetry              ChangeKind = "retry"                 // the same packet again after a failure
	ChangeNoEDNSAfterSilence ChangeKind = "no-edns-after-silence" // last try without EDNS: every EDNS try was silent
	ChangeNoEDNSAfterFormErr ChangeKind = "no-edns-after-formerr" // without EDNS after FORMERR or NOTIMP to EDNS
	ChangeTCPAfterTC         ChangeKind = "tcp-after-tc"          // over TCP after a truncated UDP reply
	ChangeConfirmEDNS        ChangeKind = "confirm-edns"          // EDNS once more after only a query without it answered
	ChangeTCPOnly            ChangeKind = "tcp-only"              // the TCP probe
)

// CNAMEStop says why an alias chain was not followed further.
type CNAMEStop string

// Reasons an alias chain ends without an answer.
const (
	CNAMELoop CNAMEStop = "loop"   // the chain comes back to a name already in it
	CNAMEHops CNAMEStop = "budget" // the chain is longer than the hop budget
)

// NSFailure says why the addresses of a name server were not found.
type NSFailure string

// Reasons a name server has no address.
const (
	NSFailCycle     NSFailure = "cycle"      // resolving it needs the zone it serves
	NSFailBudget    NSFailure = "budget"     // a budget stopped the lookup
	NSFailLookup    NSFailure = "lookup"     // the lookup ended without an address
	NSFailNoAddress NSFailure = "no-address" // nothing to look up in this address family
)

// ErrBadType means a record type is neither a known name nor TYPEnnn.
var ErrBadType = fmt.Errorf("unknown record type")

// ParseType reads a record type given by name (AAAA, case-insensitive) or
// number (TYPE65534).
func ParseType(s string) (uint16, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if t, ok := dns.StringToType[u]; ok {
		return t, nil
	}
	if rest, ok := strings.CutPrefix(u, "TYPE"); ok && rest != "" {
		if n, err := strconv.ParseUint(rest, 10, 16); err == nil {
			return uint16(n), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrBadType, s)
}
