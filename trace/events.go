package trace

// EventKind says what happened in a running trace.
type EventKind int

// The events a trace emits, in the order they can happen for one node.
const (
	EvLookupStarted EventKind = iota // Lookup set
	EvStepStarted                    // Step set (no servers or results yet)
	EvServerAdded                    // StepID, Server (no queries yet)
	EvQueryDone                      // StepID, ServerIndex, Query
	EvResult                         // StepID, Result
	EvLimit                          // Limit
	// EvDelegation: a step's delegation changed (a glueless server's
	// addresses were found or not, another parent gave the same
	// referral, the child published other NS names). Step holds a fresh
	// copy without servers or results.
	EvDelegation
)

// Event is one thing that happened while tracing. Every pointer is a copy
// owned by the receiver: the engine never touches it again. IDs tie the
// events together so a UI can grow its tree as they arrive.
type Event struct {
	Kind        EventKind
	Lookup      *Lookup
	Step        *Step // EvStepStarted, EvDelegation
	StepID      int
	ServerIndex int
	Server      *Server
	Query       *Query
	Result      *Result
	Limit       *Limit
	// Progress at the time of the event.
	Queries  int
	InFlight int
}
