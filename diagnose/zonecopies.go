package diagnose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleZoneCopiesDiffer = &Rule{
	ID: "zone-copies-differ", Severity: Error,
	Title: "servers at the same serial hold different records",
	Doc: "Two servers of the zone report the same SOA serial, but their zone transfers hold different records. " +
		"A serial names one version of the zone: secondaries compare it to decide whether to transfer, so a copy " +
		"that differs at the same serial is never repaired. Resolvers get one answer or the other depending on " +
		"the server they ask. The usual causes are a secondary edited by hand, a zone changed without raising " +
		"the serial, or a failed incremental transfer (IXFR). Signatures and NSEC/NSEC3 records are not " +
		"compared: each signer of a multi-signer zone makes its own.",
	Fix: "Make the primary's copy the only one: raise the serial on the primary and let the secondaries transfer it, " +
		"or reload the secondary's copy from the primary.",
	Refs: []string{"RFC 1034 §4.3.5", "RFC 1982", "RFC 5936 §2.2"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			bySerial := map[uint32][]zoneTransfer{}
			var serials []uint32
			for _, x := range transfersOf(v) {
				if !x.complete() {
					continue // a cut transfer is not the whole copy
				}
				s := x.q.Transfer.Serial
				if bySerial[s] == nil {
					serials = append(serials, s)
				}
				bySerial[s] = append(bySerial[s], x)
			}
			sort.Slice(serials, func(i, j int) bool { return serials[i] < serials[j] })
			for _, serial := range serials {
				reportCopies(p, v.zone, serial, bySerial[serial])
			}
		}
	},
}

// copyRecords is the canonical form of a transfer's records, for
// comparison: owner in lower case, each record once, without the records
// each signer makes its own (RRSIG, NSEC, NSEC3, NSEC3PARAM).
func copyRecords(q *trace.Query) map[string]bool {
	out := map[string]bool{}
	for _, rr := range q.Reply.Answer {
		switch rr.Header().Rrtype {
		case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM:
			continue
		}
		c := dns.Copy(rr)
		c.Header().Name = strings.ToLower(c.Header().Name)
		out[c.String()] = true
	}
	return out
}

func sameRecords(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// maxDiffSample bounds the records an explanation quotes from each side,
// maxSampleRecord the length of each.
const (
	maxDiffSample   = 5
	maxSampleRecord = 120
)

func reportCopies(p *Pass, zone string, serial uint32, xs []zoneTransfer) {
	copies := groupCopies(xs)
	if len(copies) < 2 {
		return
	}
	// The copy most servers hold is the reference; ties go to the first.
	sort.SliceStable(copies, func(i, j int) bool { return len(copies[i].servers) > len(copies[j].servers) })
	ref := copies[0]
	var servers []string
	var ids []int
	var diffs []string
	for _, c := range copies {
		servers = append(servers, c.servers...)
		ids = append(ids, c.ids...)
		if c == ref {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s (%d records) against %s (%d records): only in the first, %s; only in the second, %s.",
			list(c.servers), len(c.recs), list(ref.servers), len(ref.recs), sample(c.recs, ref.recs), sample(ref.recs, c.recs)))
	}
	p.Report(Finding{
		Zone: zone, Servers: servers, Queries: ids,
		Summary: fmt.Sprintf("%d different copies of %s at serial %d", len(copies), zone, serial),
		Explanation: fmt.Sprintf("The zone transfers from %s report the same serial, %d, but hold different records. %s A serial names one version of the zone, "+
			"so secondaries will not transfer the zone again to repair it, and resolvers get one answer or the other depending on the server they ask.",
			list(servers), serial, strings.Join(diffs, " ")),
	})
}

// sample lists, sorted and bounded, the records of a that b lacks.
func sample(a, b map[string]bool) string {
	var only []string
	for k := range a {
		if !b[k] {
			only = append(only, k)
		}
	}
	if len(only) == 0 {
		return "nothing"
	}
	sort.Strings(only)
	more := ""
	if len(only) > maxDiffSample {
		more = fmt.Sprintf(" and %d more", len(only)-maxDiffSample)
		only = only[:maxDiffSample]
	}
	for i, s := range only {
		s = trace.Sanitize(strings.Join(strings.Fields(s), " "))
		if len(s) > maxSampleRecord {
			s = s[:maxSampleRecord] + "..."
		}
		only[i] = s
	}
	return strings.Join(only, ", ") + more
}
