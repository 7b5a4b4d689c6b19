package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/miekg/dns"
)

// SchemaVersion is the version of the JSON form of a trace. A saved trace
// holds everything diagnosis needs: every reply (and every referral) in wire
// format beside its presentation, so `ddx show` re-diagnoses it exactly as
// the live run was diagnosed. Raise it when a change breaks older readers.
const SchemaVersion = 1

// maxSavedTrace bounds what Load reads: a trace is bounded by the run's
// budgets, so anything larger is not one.
const maxSavedTrace = 256 << 20

// ErrNotTrace means the input is not a trace saved by ddx.
var ErrNotTrace = errors.New("not a ddx trace")

// MarshalJSON adds the reply in wire format (base64) to the query's JSON.
func (q Query) MarshalJSON() ([]byte, error) {
	type plain Query
	return json.Marshal(struct {
		plain
		ReplyWire []byte `json:"reply_wire,omitempty"`
	}{plain(q), pack(q.Reply)})
}

// UnmarshalJSON reads a query saved by MarshalJSON, unpacking its reply.
func (q *Query) UnmarshalJSON(b []byte) error {
	type plain Query
	var w struct {
		plain
		ReplyWire []byte `json:"reply_wire"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*q = Query(w.plain)
	m, err := unpack(w.ReplyWire)
	if err != nil {
		return fmt.Errorf("query %d: the saved reply is not a DNS message: %w", q.ID, err)
	}
	if m == nil && q.Rcode != "" {
		return fmt.Errorf("query %d: rcode %s but no saved reply", q.ID, q.Rcode)
	}
	if m == nil && q.Class != "" && q.Class != ClassError {
		// Every reader takes a reply's class to mean there is a reply.
		return fmt.Errorf("query %d: %s but no saved reply", q.ID, sanitize(string(q.Class)))
	}
	q.Reply = m
	return nil
}

// MarshalJSON adds the referral in wire format to the delegation's JSON.
func (d Delegation) MarshalJSON() ([]byte, error) {
	type plain Delegation
	return json.Marshal(struct {
		plain
		RawWire []byte `json:"raw_wire,omitempty"`
	}{plain(d), pack(d.Raw)})
}

// UnmarshalJSON reads a delegation saved by MarshalJSON.
func (d *Delegation) UnmarshalJSON(b []byte) error {
	type plain Delegation
	var w struct {
		plain
		RawWire []byte `json:"raw_wire"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Delegation(w.plain)
	m, err := unpack(w.RawWire)
	if err != nil {
		return fmt.Errorf("the saved referral is not a DNS message: %w", err)
	}
	d.Raw = m
	return nil
}

func pack(m *dns.Msg) []byte {
	if m == nil {
		return nil
	}
	b, err := m.Pack()
	if err != nil {
		c := m.Copy()
		c.Compress = false
		if b, err = c.Pack(); err != nil {
			return nil
		}
	}
	return b
}

func unpack(b []byte) (*dns.Msg, error) {
	if len(b) == 0 {
		return nil, nil
	}
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return nil, err
	}
	return m, nil
}

// Load reads a trace saved as JSON (`ddx trace -o json`, or `w` in the
// explorer) and restores what the JSON form leaves implicit. Anything else
// in the document (findings) is ignored: the caller diagnoses afresh.
func Load(r io.Reader) (*Trace, error) {
	var t Trace
	dec := json.NewDecoder(io.LimitReader(r, maxSavedTrace))
	if err := dec.Decode(&t); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: %v", ErrNotTrace, err)
		}
		return nil, err
	}
	switch {
	case t.Schema == 0 || t.Query.Name == "":
		return nil, fmt.Errorf("%w: no schema version or query (save one with -o json)", ErrNotTrace)
	case t.Schema > SchemaVersion:
		return nil, fmt.Errorf("%w: schema version %d is newer than this ddx reads (%d); upgrade ddx", ErrNotTrace, t.Schema, SchemaVersion)
	}
	var err error
	if t.Query.Qtype, err = ParseType(t.Query.Type); err != nil {
		return nil, fmt.Errorf("query type: %w", err)
	}
	for i, st := range t.Steps {
		if st == nil || st.ID != i {
			return nil, fmt.Errorf("%w: step %d is missing or out of order", ErrNotTrace, i)
		}
		if st.Qtype, err = ParseType(st.Type); err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		if err := checkServers(st.Servers); err != nil {
			return nil, fmt.Errorf("%w: step %d %v", ErrNotTrace, i, err)
		}
		for _, r := range st.Results {
			if r == nil {
				return nil, fmt.Errorf("%w: step %d has an empty result", ErrNotTrace, i)
			}
		}
		for _, p := range st.Primaries {
			if p == nil {
				return nil, fmt.Errorf("%w: step %d has an empty SOA primary", ErrNotTrace, i)
			}
			if err := checkServers(p.Servers); err != nil {
				return nil, fmt.Errorf("%w: step %d's SOA primary %v", ErrNotTrace, i, err)
			}
		}
	}
	for i, l := range t.Lookups {
		if l == nil || l.ID != i {
			return nil, fmt.Errorf("%w: lookup %d is missing or out of order", ErrNotTrace, i)
		}
	}
	if t.PTR != nil {
		for _, c := range t.PTR.Checks {
			ids := []int{c.Lookup}
			for _, f := range c.Forward {
				ids = append(ids, f.Lookup)
			}
			for _, id := range ids {
				if id < -1 || id >= len(t.Lookups) {
					return nil, fmt.Errorf("%w: the PTR check of %q names lookup %d, which is not in the trace", ErrNotTrace, c.Address, id)
				}
			}
		}
	}
	if err := checkReferrals(t.Steps); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotTrace, err)
	}
	escapeStrings(reflect.ValueOf(&t), map[uintptr]bool{})
	return &t, nil
}

// checkReferrals reports a result that leads to a step that is not in
// the trace, or back to a step on its own path: the text follows the
// referrals from the root down, and would not end.
func checkReferrals(steps []*Step) error {
	const (
		unseen = iota
		open
		done
	)
	state := make([]int, len(steps))
	var visit func(id int) error
	visit = func(id int) error {
		state[id] = open
		for _, r := range steps[id].Results {
			switch {
			case r.Next < -1 || r.Next >= len(steps):
				return fmt.Errorf("a result of step %d leads to step %d, which is not in the trace", id, r.Next)
			case r.Next == -1 || state[r.Next] == done:
			case state[r.Next] == open:
				return fmt.Errorf("a result of step %d leads back to step %d", id, r.Next)
			default:
				if err := visit(r.Next); err != nil {
					return err
				}
			}
		}
		state[id] = done
		return nil
	}
	for id := range steps {
		if state[id] == unseen {
			if err := visit(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// escapeStrings escapes every string of a saved trace as sanitize does:
// a saved trace is any JSON anyone sends, and its names, flags, types and
// words reach the terminal; those of a trace ddx ran are escaped already.
// The messages (unpacked by miekg/dns, which escapes) are left alone.
func escapeStrings(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] || v.Type().Elem().PkgPath() == "github.com/miekg/dns" {
			return
		}
		seen[v.Pointer()] = true
		escapeStrings(v.Elem(), seen)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				escapeStrings(v.Field(i), seen)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			escapeStrings(v.Index(i), seen)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(sanitize(v.String()))
		}
	}
}

// checkServers reports the first empty server, query or attempt of a
// saved trace: every reader of a trace takes them to be there.
func checkServers(servers []*Server) error {
	for _, s := range servers {
		if s == nil {
			return errors.New("has an empty server")
		}
		for _, q := range s.Queries {
			if q == nil {
				return fmt.Errorf("has an empty query of %s", sanitize(s.Address))
			}
			for _, a := range q.Attempts {
				if a == nil {
					return fmt.Errorf("has an empty attempt of %s", sanitize(s.Address))
				}
			}
		}
	}
	return nil
}

// RRsOf splits records for comparison and display: owner (lowercased),
// type, TTL and rdata, sanitized; OPT records are left out.
func RRsOf(rrs []dns.RR) []RR { return splitRRs(rrs) }
