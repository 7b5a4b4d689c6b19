// Package trace resolves a name iteratively from the root, asking every
// server address at every zone cut, and records every query it makes.
package trace

import (
	"time"

	"github.com/miekg/dns"
)

// Trace is the complete record of one run: every lookup, zone cut, server,
// query and attempt. Text, JSON and the TUI are views of it.
type Trace struct {
	// Schema is the version of this form (SchemaVersion); see Load.
	Schema  int       `json:"schema"`
	Query   Question  `json:"query"`
	Outcome Outcome   `json:"outcome"`
	Lookups []*Lookup `json:"lookups"`
	Steps   []*Step   `json:"steps"`
	Limits  []Limit   `json:"limits"`
	Stats   Stats     `json:"stats"`
	Config  Summary   `json:"config"`
	// PTR is what --ptr found: the reverse names of the zone's addresses.
	PTR *PTRReport `json:"ptr,omitempty"`
}

// Question is the name and type being resolved. Name is an FQDN in
// presentation format (ASCII, escaped); Unicode is its IDN form when it
// differs.
type Question struct {
	Name    string `json:"name"`
	Unicode string `json:"unicode,omitempty"`
	Type    string `json:"type"`
	Qtype   uint16 `json:"-"`
}

// Outcome is what a typical non-validating resolver would return and why.
type Outcome struct {
	// Rcode is NOERROR, NODATA, NXDOMAIN, SERVFAIL, or DEPENDS when
	// branches of the trace end differently.
	Rcode       string   `json:"rcode"`
	Explanation string   `json:"explanation"`
	Answers     []string `json:"answers,omitempty"`
	// Ends lists each distinct way a path through the trace ended.
	Ends []End `json:"ends,omitempty"`
}

// End is one terminal result reached by one or more paths.
type End struct {
	Rcode   string   `json:"rcode"`
	Step    int      `json:"step"`
	Servers []string `json:"servers"`
	Why     string   `json:"why"`
}

// Lookup is one name resolution inside the run: the user's query, the
// address of a glueless name server, or a CNAME target.
type Lookup struct {
	ID       int          `json:"id"`
	Name     string       `json:"name"`
	Type     string       `json:"type"`
	Reason   LookupReason `json:"reason"`
	Parent   int          `json:"parent"` // lookup that needed this one, -1 for the query
	FromStep int          `json:"from_step"`
	Outcome  Outcome      `json:"outcome"`
	Addrs    []string     `json:"addresses,omitempty"`
}

// Step is one zone cut: the servers of Zone asked about Name/Type.
type Step struct {
	ID         int        `json:"id"`
	Lookup     int        `json:"lookup"`
	Parent     int        `json:"parent"` // step whose referral led here, -1
	Zone       string     `json:"zone"`
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Delegation Delegation `json:"delegation"`
	Servers    []*Server  `json:"servers"`
	Results    []*Result  `json:"results"`
	Skipped    []string   `json:"skipped,omitempty"` // addresses not asked, and why
	// Unasked counts the server addresses left out of a sampled cut: one
	// with more addresses than Budget.Addresses is asked through the first
	// few addresses of each name (Skipped says which names lost how many).
	Unasked int `json:"unasked,omitempty"`
	// Incomplete names the budget (queries, deadline) or the cancel that
	// kept some of this step's queries from being sent or answered: what
	// the step lacks says nothing about its servers.
	Incomplete BudgetName `json:"incomplete,omitempty"`
	// ChildOnly are NS names the zone's servers publish that the
	// delegation lacks, resolved in check mode.
	ChildOnly []NSHost `json:"child_only_ns,omitempty"`
	// Primaries are the servers the zone's SOA names as its primary
	// (MNAME) that are not among those the step asked, probed in check
	// mode.
	Primaries []*Primary `json:"primaries,omitempty"`
	Qtype     uint16     `json:"-"`

	// sample places each asked address in the cut's sample, for the
	// survey's window of address probes (see sampleSurvey).
	sample map[string]int
	window int
	// glueLeft counts, per NS name, the glue addresses the kept referral
	// left out (see trimReply).
	glueLeft map[string]int
}

// Delegation is the NS set that sent the engine to a zone: root hints,
// a referral, or the cache of this run.
type Delegation struct {
	Source string   `json:"source"` // hints, referral, cache, parent-servers
	From   []string `json:"from,omitempty"`
	NS     []NSHost `json:"ns"`
	// Omitted counts the NS names of the referral that were not kept:
	// beyond Budget.NSPerZone, only the first names (in order) are.
	Omitted int    `json:"ns_omitted,omitempty"`
	TTL     uint32 `json:"ttl"`
	// Raw is the referral message as received from the first parent
	// server that gave it (nil for hints and cache).
	Raw *dns.Msg `json:"-"`
}

// NSHost is one name server of a delegation and how its addresses were
// found.
type NSHost struct {
	Name   string   `json:"name"`
	Glue   []string `json:"glue,omitempty"`
	Addrs  []string `json:"addresses"`
	Lookup []int    `json:"lookups,omitempty"` // sub-lookups that resolved it
	Error  string   `json:"error,omitempty"`
	// Failure says, typed, why Error is set.
	Failure NSFailure `json:"failure,omitempty"`
}

// Server is one address of one name server of a step's zone.
type Server struct {
	Name    string   `json:"name"`
	Address string   `json:"address"`
	Queries []*Query `json:"queries"`
}

// Label is "name (address)", the way servers are quoted in explanations.
func (s *Server) Label() string { return s.Name + " (" + s.Address + ")" }

// Query is one question put to one server address, with every attempt
// that was needed to get (or fail to get) a reply.
type Query struct {
	ID         int        `json:"id"`
	Purpose    Purpose    `json:"purpose"`
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	RD         bool       `json:"rd,omitempty"`
	Rcode      string     `json:"rcode,omitempty"`
	Error      string     `json:"error,omitempty"`
	ErrorKind  ErrorKind  `json:"error_kind,omitempty"`
	Class      string     `json:"class"`
	RTTms      float64    `json:"rtt_ms"`
	Transport  string     `json:"transport"`
	Flags      []string   `json:"flags,omitempty"`
	Size       int        `json:"size,omitempty"`
	EDNS       bool       `json:"edns"`
	Answer     []string   `json:"answer,omitempty"`
	Authority  []string   `json:"authority,omitempty"`
	Additional []string   `json:"additional,omitempty"`
	Attempts   []*Attempt `json:"attempts"`
	// Late: the reply came after one try's timeout, while ddx was still
	// listening (RTTms says how late): a slow server, not a dead one.
	Late bool `json:"late,omitempty"`
	// EDNSBroken: only a query without EDNS was answered, and a
	// confirming EDNS query got no reply either. A lone answer without
	// EDNS after silent EDNS tries is not enough (packets get lost).
	EDNSBroken bool `json:"edns_broken,omitempty"`
	// EDNSUnsupported: the server answered FORMERR without an OPT record
	// to a query with EDNS, as RFC 6891 §7 asks of a server without EDNS.
	EDNSUnsupported bool `json:"edns_unsupported,omitempty"`
	// Reused: the same question had been put to the same address earlier
	// in the run (another branch or sub-lookup); this is a copy of that
	// record, and no packet was sent for it.
	Reused bool `json:"reused,omitempty"`
	// Trimmed counts the records of the reply that were not kept: a reply
	// is kept whole up to a few KiB (Size is its size on the wire), then
	// the records a resolver acts on first (see trimReply).
	Trimmed int `json:"trimmed,omitempty"`
	// Transfer, on a zone transfer (PurposeAXFR), says how it ended and
	// what came; Reply holds the records.
	Transfer *Transfer `json:"transfer,omitempty"`
	Reply    *dns.Msg  `json:"-"`
	Sent     *dns.Msg  `json:"-"`
	left     trimCount // what trimming left out of the reply
}

// OK reports whether the query got a reply.
func (q *Query) OK() bool { return q.Reply != nil }

// Attempt is one packet sent, with what changed from the previous attempt.
type Attempt struct {
	Try       int        `json:"try"`
	Transport string     `json:"transport"`
	EDNS      bool       `json:"edns"`
	Change    string     `json:"change,omitempty"` // in words
	Retry     ChangeKind `json:"retry,omitempty"`
	Rcode     string     `json:"rcode,omitempty"`
	TC        bool       `json:"tc,omitempty"`
	Error     string     `json:"error,omitempty"`
	ErrorKind ErrorKind  `json:"error_kind,omitempty"`
	RTTms     float64    `json:"rtt_ms"`
	Size      int        `json:"size,omitempty"`
}

// Result is one distinct outcome at a step and the servers that gave it.
// Distinct referrals become distinct branches; identical ones merge.
type Result struct {
	Kind    ResultKind `json:"kind"`
	Servers []string   `json:"servers"`
	Zone    string     `json:"zone,omitempty"`
	NS      []string   `json:"ns,omitempty"`
	Next    int        `json:"next"` // step the referral led to, -1
	Target  string     `json:"target,omitempty"`
	Lookup  int        `json:"lookup"` // CNAME target lookup, -1
	Records []string   `json:"records,omitempty"`
	Why     string     `json:"why,omitempty"`
	// Incomplete, on a failed result, names the budget or cancel that
	// stopped the step before its servers could answer: the path ends in
	// INCOMPLETE, not SERVFAIL.
	Incomplete BudgetName `json:"incomplete,omitempty"`
	// CNAMEStop, on a failed or unfollowed alias, says why the chain was
	// not followed: a loop, or the hop budget.
	CNAMEStop CNAMEStop `json:"cname_stop,omitempty"`
	// SameAs, on a referral with Next -1, is the step another branch of
	// the same lookup had already started for the same zone and NS set:
	// the path goes on there, and is walked once.
	SameAs int `json:"same_as,omitempty"`
	// SameLookup, on an alias with Lookup -1, is the lookup another
	// branch had started for the same target (from the same cut, at the
	// same depth of the chain): it is followed once, there.
	SameLookup int `json:"same_lookup,omitempty"`
}

// Limit records a level-of-effort budget that was hit.
type Limit struct {
	Budget BudgetName `json:"budget"`
	Detail string     `json:"detail"`
	Step   int        `json:"step"`
}

// Stats counts the work of a run.
type Stats struct {
	Queries     int     `json:"queries"`
	Attempts    int     `json:"attempts"`
	Timeouts    int     `json:"timeouts"`
	ElapsedMs   float64 `json:"elapsed_ms"`
	MaxInFlight int     `json:"max_in_flight"`
}

// Summary is the configuration a trace ran with, for the record.
type Summary struct {
	Roots     []string `json:"roots"`
	Port      int      `json:"port"`
	TimeoutMs float64  `json:"timeout_ms"`
	Tries     int      `json:"tries"`
	IPv4      bool     `json:"ipv4"`
	IPv6      bool     `json:"ipv6"`
	Probes    bool     `json:"probes"`
	PTR       bool     `json:"ptr,omitempty"`
	// DNSSEC is what validation starts from; nil with --no-dnssec.
	DNSSEC *DNSSECConfig `json:"dnssec,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// StepByID returns the step with the given ID, or nil.
func (t *Trace) StepByID(id int) *Step {
	if id < 0 || id >= len(t.Steps) {
		return nil
	}
	return t.Steps[id]
}

// LookupByID returns the lookup with the given ID, or nil.
func (t *Trace) LookupByID(id int) *Lookup {
	if id < 0 || id >= len(t.Lookups) {
		return nil
	}
	return t.Lookups[id]
}
