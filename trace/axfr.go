package trace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The zone transfer of `ddx check`: every address of the checked zone is
// asked for an AXFR (RFC 5936) over TCP, beside the survey. Most servers
// refuse, in one round trip; a transfer that goes ahead is read within
// bounds (records, bytes, a wait per message and a time limit) and cut,
// never waited for without end. The transfer is one Query of the server
// (PurposeAXFR): its Reply holds the records received, the closing SOA
// left out, so a saved trace carries the zone's content.

// PurposeAXFR asks a server of the checked zone for the whole zone.
const PurposeAXFR Purpose = "axfr"

// TransferStatus says how a zone transfer ended.
type TransferStatus string

// Transfer statuses.
const (
	TransferComplete TransferStatus = "complete" // the closing SOA came: the whole zone
	TransferRefused  TransferStatus = "refused"  // the first message had an error rcode (REFUSED, NOTAUTH...)
	TransferCut      TransferStatus = "cut"      // ddx stopped reading: Cut says why
	TransferFailed   TransferStatus = "failed"   // no transfer: no reply, a broken stream, no SOA first
)

// CutReason says why ddx stopped reading a transfer.
type CutReason string

// Reasons a transfer is cut.
const (
	CutRecords  CutReason = "records"  // more records than Budget.TransferRecords
	CutBytes    CutReason = "bytes"    // more bytes than Budget.TransferBytes (or the run's share)
	CutIdle     CutReason = "idle"     // no message within the wait for one
	CutTime     CutReason = "time"     // slower than Budget.TransferTime in all
	CutDeadline CutReason = "deadline" // the run's deadline passed, or it was cancelled
)

// Transfer is what a zone transfer gave: how it ended, how much came and
// the zone's serial. The records themselves are the query's Reply.
type Transfer struct {
	Status TransferStatus `json:"status"`
	Cut    CutReason      `json:"cut,omitempty"`
	// Note says in words how it ended (a cut, a broken stream).
	Note     string `json:"note,omitempty"`
	Messages int    `json:"messages"`
	Records  int    `json:"records"` // records kept, the closing SOA left out
	Bytes    int    `json:"bytes"`   // on the wire, length prefixes included
	// Serial is the serial of the SOA the transfer opened with (HasSOA).
	Serial uint32 `json:"serial"`
	HasSOA bool   `json:"has_soa"`
}

// Transferer is an Exchanger that can also receive a zone transfer: it
// sends the AXFR query m over TCP to server and passes each message of
// the reply stream, with its size on the wire, to each, in order. It
// returns nil when each returned false (the caller has what it wants),
// and otherwise why the stream ended: ErrTimeout when no message came
// within idle or ctx ended, ErrUnreachable, ErrMalformed, or io.EOF when
// the server closed the connection. NetExchanger and trace/sim's universe
// implement it; with an Exchanger that does not, no transfer is asked.
type Transferer interface {
	Transfer(ctx context.Context, m *dns.Msg, server netip.AddrPort, idle time.Duration, each func(m *dns.Msg, size int) bool) error
}

// ErrMalformed: a message of a transfer stream that is not a DNS message.
var ErrMalformed = errors.New("malformed message")

// Defaults of the transfer bounds (see Budget).
const (
	defaultTransferRecords = 20000
	defaultTransferBytes   = 4 << 20
	runTransferBytes       = 16 << 20 // all the transfers of a run together
	maxTransferRecords     = 65535    // what one saved message can hold
)

// probeTransfer asks one address of the checked zone for the zone, once
// per run (when the address is surveyed), under wg.
func (r *run) probeTransfer(st *Step, idx int, srv *Server, ap netip.AddrPort, survey bool, wg *sync.WaitGroup) {
	if !survey || !r.cfg.Probes || st.Zone == "." || !strings.EqualFold(st.Zone, r.tr.Query.Name) {
		return
	}
	tx, ok := r.cfg.Exchanger.(Transferer)
	if !ok {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.addQuery(st, idx, srv, r.transfer(tx, ap, st.Zone))
	}()
}

// transfer asks ap for an AXFR of zone and reads it within the bounds.
func (r *run) transfer(tx Transferer, ap netip.AddrPort, zone string) *Query {
	t := &Transfer{}
	q := &Query{Purpose: PurposeAXFR, Name: zone, Type: "AXFR", Transport: "tcp", Attempts: []*Attempt{}, Transfer: t}
	r.countQuestion()
	fail := func(kind ErrorKind, why string) *Query {
		q.Error, q.ErrorKind, q.Class = why, kind, ClassError
		t.Status = TransferFailed
		return q
	}
	if !r.takePacket() {
		return fail(ErrKindBudget, ErrBudget.Error())
	}
	select {
	case r.sem <- struct{}{}:
	case <-r.ctx.Done():
		return fail(ErrKindCancelled, "cancelled")
	}
	r.inFlight(+1)
	defer func() { r.inFlight(-1); <-r.sem }()

	a := &Attempt{Try: 1, Transport: "tcp"}
	q.Attempts = append(q.Attempts, a)
	m := new(dns.Msg)
	m.SetAxfr(zone)
	b := r.cfg.Budget
	idle := 2 * time.Duration(r.cfg.Tries) * r.cfg.Timeout // as the TCP probe waits
	ctx, cancel := context.WithTimeout(r.ctx, b.TransferTime)
	defer cancel()

	start := time.Now()
	rd := &axfrReader{r: r, zone: zone, id: m.Id, t: t, maxRecords: b.TransferRecords, maxBytes: b.TransferBytes, began: start}
	err := tx.Transfer(ctx, m, ap, idle, rd.each)
	a.RTTms = ms(rd.first)
	if rd.head == nil {
		a.RTTms = ms(time.Since(start))
	}
	if t.Status == "" {
		// The stream ended before ddx had what it wanted.
		switch {
		case r.ctx.Err() != nil:
			t.Status, t.Cut = TransferCut, CutDeadline
			t.Note = "cut when the run's deadline passed or it was cancelled"
			if rd.head == nil {
				a.ErrorKind, a.Error = ErrKindAbandoned, stoppedWaiting(r.ctx, time.Since(start).Round(time.Millisecond))
			}
		case ctx.Err() != nil:
			t.Status, t.Cut = TransferCut, CutTime
			t.Note = fmt.Sprintf("cut after %s, the time a transfer may take", b.TransferTime)
			if rd.head == nil {
				a.ErrorKind, a.Error = ErrKindTimeout, fmt.Sprintf("no reply within %s", b.TransferTime)
			}
		case errors.Is(err, ErrTimeout) && rd.head != nil:
			t.Status, t.Cut = TransferCut, CutIdle
			t.Note = fmt.Sprintf("cut: no message for %s", idle)
		case errors.Is(err, ErrTimeout):
			t.Status = TransferFailed
			a.ErrorKind, a.Error = ErrKindTimeout, fmt.Sprintf("no reply within %s", idle)
		case errors.Is(err, ErrUnreachable):
			t.Status = TransferFailed
			a.ErrorKind, a.Error = ErrKindUnreachable, err.Error()
		case errors.Is(err, ErrMalformed):
			t.Status, t.Note = TransferFailed, "a message of the transfer is not a DNS message"
			a.ErrorKind, a.Error = ErrKindInvalid, t.Note
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || err == nil:
			t.Status, t.Note = TransferFailed, "the server closed the connection before the closing SOA"
			a.ErrorKind, a.Error = ErrKindTCP, t.Note
		default:
			t.Status = TransferFailed
			a.ErrorKind, a.Error = ErrKindTCP, sanitize(err.Error())
		}
	}
	if rd.broken != "" {
		t.Status, t.Note = TransferFailed, rd.broken
		a.ErrorKind, a.Error = ErrKindInvalid, rd.broken
	}
	var reply *dns.Msg
	if rd.head != nil && a.ErrorKind != ErrKindInvalid && a.ErrorKind != ErrKindIDMismatch {
		reply = rd.head
		reply.Answer = rd.records
		a.Rcode = rcodeName(reply.Rcode)
	}
	a.Size = t.Bytes
	q.finish(reply, a)
	if reply == nil {
		q.Class = ClassError
		if q.ErrorKind == ErrKindTimeout {
			r.countTimeout()
		}
		return q
	}
	q.Size = t.Bytes
	switch {
	case t.Status == TransferFailed:
		// The records that came are kept; the stream broke.
		q.Error, q.ErrorKind, q.Class = a.Error, a.ErrorKind, ClassError
	case reply.Rcode == dns.RcodeRefused:
		q.Class = ClassRefused
	case reply.Rcode != dns.RcodeSuccess:
		q.Class = ClassRcode
	default:
		q.Class = ClassAnswer
	}
	return q
}

// axfrReader takes the messages of one transfer as they come and says
// when to stop.
type axfrReader struct {
	r                    *run
	zone                 string
	id                   uint16
	t                    *Transfer
	maxRecords, maxBytes int
	began                time.Time     // when the query was sent
	first                time.Duration // until the first message
	head                 *dns.Msg      // the first message, without its records
	records              []dns.RR
	broken               string // why the stream is not a transfer
}

func (rd *axfrReader) each(m *dns.Msg, size int) bool {
	t := rd.t
	if rd.head == nil {
		rd.first = time.Since(rd.began)
	}
	if !rd.r.takeTransferBytes(size) || t.Bytes+size > rd.maxBytes {
		t.Status, t.Cut = TransferCut, CutBytes
		t.Note = fmt.Sprintf("cut after %d bytes: ddx reads at most %d bytes of a transfer", t.Bytes, rd.maxBytes)
		return false
	}
	t.Messages++
	t.Bytes += size
	if m.Id != rd.id {
		rd.broken = fmt.Sprintf("a message of the transfer has ID %d, not %d", m.Id, rd.id)
		return false
	}
	if rd.head == nil {
		h := new(dns.Msg)
		h.MsgHdr, h.Question = m.MsgHdr, m.Question
		rd.head = h
		if m.Rcode != dns.RcodeSuccess {
			t.Status = TransferRefused
			return false
		}
		soa, ok := firstSOA(m)
		if !ok || !strings.EqualFold(soa.Hdr.Name, rd.zone) {
			rd.broken = "the transfer does not start with the zone's SOA"
			return false
		}
		t.Serial, t.HasSOA = soa.Serial, true
	} else if m.Rcode != dns.RcodeSuccess {
		rd.broken = "a message inside the transfer has rcode " + rcodeName(m.Rcode)
		return false
	}
	for _, rr := range m.Answer {
		if len(rd.records) > 0 {
			if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, rd.zone) {
				t.Status = TransferComplete
				return false
			}
		}
		if len(rd.records) >= rd.maxRecords {
			t.Status, t.Cut = TransferCut, CutRecords
			t.Note = fmt.Sprintf("cut after %d records: ddx reads at most %d records of a transfer", len(rd.records), rd.maxRecords)
			return false
		}
		rd.records = append(rd.records, rr)
		t.Records = len(rd.records)
	}
	return true
}

func firstSOA(m *dns.Msg) (*dns.SOA, bool) {
	if len(m.Answer) == 0 {
		return nil, false
	}
	soa, ok := m.Answer[0].(*dns.SOA)
	return soa, ok
}

// takeTransferBytes counts size bytes against what all the run's
// transfers may read together.
func (r *run) takeTransferBytes(size int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.xfrBytes+size > runTransferBytes {
		return false
	}
	r.xfrBytes += size
	return true
}
