package diagnose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// The DNSSEC rules read one validation of the trace (dnssecOf): a zone is
// bogus when the chain breaks through every server that answered, and a
// chain that breaks through some servers only is dnssec-inconsistent,
// naming them.

// ede is the RFC 8914 extended error a validating resolver attaches.
var ede = map[string]string{
	"ds-mismatch":             "9 (DNSKEY Missing)",
	"ds-for-unsigned-zone":    "9 (DNSKEY Missing)",
	"dnskey-not-signed-by-ds": "10 (RRSIGs Missing)", // Unbound 1.17 in the lab: "signature missing"
	"rrsig-expired":           "7 (Signature Expired)",
	"rrsig-not-yet-valid":     "8 (Signature Not Yet Valid)",
	"rrsig-invalid":           "6 (DNSSEC Bogus)",
	"rrsig-missing":           "10 (RRSIGs Missing)",
	"nsec-proof-invalid":      "12 (NSEC Missing)",
}

// bogusOutcome says what both kinds of resolvers answer for names in a
// zone whose chain breaks for the reason id.
func bogusOutcome(id, zone string) string {
	return "A validating resolver (most public resolvers, and Unbound or BIND with validation on) answers SERVFAIL for " +
		"names in " + zone + ", with extended DNS error " + ede[id] + " (RFC 8914); a non-validating one ignores the " +
		"signatures and answers as if nothing were wrong, so the name works for some users and not for others."
}

func dnssecCauseRule(id string, sev Severity, title, doc, fix string, refs ...string) *Rule {
	r := &Rule{ID: id, Severity: sev, Title: title, Doc: doc, Fix: fix, Refs: refs}
	r.Run = func(p *Pass) {
		a := dnssecOf(p)
		for _, z := range a.order {
			if z.state != Bogus {
				continue
			}
			var hits []dnsIssue
			for _, iss := range causes(z) {
				if iss.id == id {
					hits = append(hits, iss)
				}
			}
			if len(hits) == 0 {
				continue
			}
			p.Report(issueFinding(z, hits, id, title))
		}
	}
	return r
}

// causes are the zone's issues that break a chain, with a server that
// serves no DNSKEY counted as ds-for-unsigned-zone only when no server
// serves one (otherwise it serves the zone unsigned: rrsig-missing).
func causes(z *zoneSec) []dnsIssue {
	var out []dnsIssue
	for _, iss := range z.issues {
		if iss.id == "rrsig-expiring" {
			continue
		}
		if iss.id == "ds-for-unsigned-zone" && len(z.signed) > 0 {
			iss.id = "rrsig-missing"
			iss.detail += ": it serves the zone unsigned"
		}
		out = append(out, iss)
	}
	return out
}

func issueFinding(z *zoneSec, hits []dnsIssue, id, title string) Finding {
	var servers, details []string
	var qs []int
	for _, h := range hits {
		servers = appendOnce(servers, h.server)
		if len(details) < 3 && !contains(details, h.detail) {
			details = append(details, h.detail)
		}
		qs = append(qs, h.queries...)
	}
	more := ""
	if n := len(hits) - len(details); n > 0 {
		more = fmt.Sprintf(" (and %d more)", n)
	}
	zone := hits[0].zone
	return Finding{
		Zone: zone, Servers: servers, Queries: qs, Steps: stepIDs(z),
		Summary:     zone + ": " + title,
		Explanation: strings.Join(details, "; ") + more + ". " + bogusOutcome(id, zone),
	}
}

func stepIDs(z *zoneSec) []int {
	var out []int
	for _, st := range z.v.steps {
		out = append(out, st.ID)
	}
	return out
}

var ruleDSMismatch = dnssecCauseRule("ds-mismatch", Critical,
	"the parent's DS records match no DNSKEY the zone serves",
	"The parent publishes DS records for the zone, but none of them matches a key the zone's servers serve "+
		"(same key tag, algorithm and digest of the DNSKEY): a key rollover done in the wrong order, or a DS left "+
		"for a deleted key. Validating resolvers cannot authenticate the zone's keys and answer SERVFAIL for every "+
		"name in it (EDE 9, DNSKEY Missing); non-validating resolvers answer normally. A zone that serves no "+
		"DNSKEY at all is ds-for-unsigned-zone.",
	"Publish at the parent (through the registrar) the DS of the zone's current KSK (dnssec-dsfromkey, or "+
		"ldns-key2ds), or put the key the DS names back into the DNSKEY RRset until the DS is replaced.",
	"RFC 4035 §5.2", "RFC 6781 §4.1.2", "RFC 8914")

var ruleDNSKEYNotSignedByDS = dnssecCauseRule("dnskey-not-signed-by-ds", Critical,
	"the DNSKEY RRset is not signed by the key the DS matches",
	"A key of the zone matches the parent's DS, but the DNSKEY RRset carries no signature by that key: the "+
		"chain from the DS to the zone's other keys is broken (a KSK published but not used to sign, often during a "+
		"rollover). Validating resolvers answer SERVFAIL (EDE 10, RRSIGs Missing: the signature by that key); "+
		"non-validating ones answer normally.",
	"Sign the DNSKEY RRset with the KSK the DS points to (in BIND, keep that key active with dnssec-policy or "+
		"dnssec-signzone -k), or publish the DS of the key that does sign it.",
	"RFC 4035 §5.2", "RFC 6781 §4.1.2", "RFC 8914")

var ruleRRSIGExpired = dnssecCauseRule("rrsig-expired", Critical,
	"signatures the chain needs have expired",
	"A signature the chain of trust needs has passed its expiration time: the zone was not re-signed (a "+
		"signer that stopped, a zone file signed once by hand). Validating resolvers answer SERVFAIL (EDE 7, "+
		"Signature Expired); non-validating ones answer normally. Times are compared with the trace's clock, "+
		"with RFC 1982 serial arithmetic.",
	"Re-sign the zone (dnssec-signzone, or let BIND's dnssec-policy or OpenDNSSEC sign it automatically) and "+
		"reload every server; check that secondaries received the new serial.",
	"RFC 4034 §3.1.5", "RFC 4035 §5.3.1", "RFC 8914")

var ruleRRSIGNotYetValid = dnssecCauseRule("rrsig-not-yet-valid", Critical,
	"signatures the chain needs are not valid yet",
	"A signature's inception time is in the future: the signer's clock is ahead, or the zone was signed with "+
		"a start date in the future. Validating resolvers answer SERVFAIL (EDE 8, Signature Not Yet Valid) until "+
		"then; non-validating ones answer normally.",
	"Fix the signer's clock (NTP) and re-sign the zone; signers usually back-date inception by an hour to "+
		"allow for skew.",
	"RFC 4034 §3.1.5", "RFC 4035 §5.3.1", "RFC 8914")

var ruleRRSIGInvalid = dnssecCauseRule("rrsig-invalid", Critical,
	"signatures the chain needs do not verify",
	"A signature does not verify against the key it names: the data changed after signing (a server that "+
		"edits answers, a zone file edited without re-signing) or the signature was made with another key. "+
		"Validating resolvers answer SERVFAIL (EDE 6, DNSSEC Bogus); non-validating ones answer normally.",
	"Re-sign the zone from its current data and reload every server; never edit a signed zone file by hand.",
	"RFC 4035 §5.3", "RFC 8914")

var ruleRRSIGMissing = dnssecCauseRule("rrsig-missing", Critical,
	"a signed zone serves data without signatures",
	"The zone is signed (its parent has DS records), but a server answers an RRset without any signature, or "+
		"only with signatures by keys the zone's DNSKEY RRset does not hold: validating resolvers answer "+
		"SERVFAIL (EDE 10, RRSIGs Missing); non-validating ones answer normally. A DNSKEY RRset not signed by the "+
		"key the DS matches is dnskey-not-signed-by-ds.",
	"Serve the signed zone from every server (a secondary that transfers the unsigned zone, or a server "+
		"loading the unsigned file, is the usual cause) and sign every RRset with the zone's keys.",
	"RFC 4035 §2.2", "RFC 4035 §3.1.1", "RFC 8914")

var ruleNSECProofInvalid = dnssecCauseRule("nsec-proof-invalid", Critical,
	"a negative answer from a signed zone has no valid NSEC proof",
	"An NXDOMAIN or NODATA answer from a signed zone carries no NSEC or NSEC3 record, or NSEC records that "+
		"neither match nor cover the name: a validating resolver cannot tell the denial from a forgery and "+
		"answers SERVFAIL (EDE 12, NSEC Missing); a non-validating one passes the negative answer on. The "+
		"wildcard proofs count too: an NXDOMAIN must also prove that no wildcard at the closest encloser "+
		"exists, and an answer synthesized from a wildcard (its RRSIG counts fewer labels than its owner) "+
		"must prove that the name itself does not exist. NSEC3 proofs are checked as RFC 5155 §8 says "+
		"(closest encloser, next closer name, wildcard), unless their iterations are above what validators "+
		"accept.",
	"Serve the complete signed zone, NSEC or NSEC3 chain included, from every server; re-sign after every "+
		"change to the zone.",
	"RFC 4035 §3.1.3", "RFC 4035 §5.3.4", "RFC 4035 §5.4", "RFC 5155 §8", "RFC 8914")

var ruleDSForUnsignedZone = dnssecCauseRule("ds-for-unsigned-zone", Critical,
	"the parent publishes DS records, but the zone is not signed",
	"The parent publishes DS records for the zone, but no server of the zone serves a DNSKEY RRset: the zone "+
		"was unsigned (or moved to a provider that does not sign) without removing the DS first. Validating "+
		"resolvers answer SERVFAIL for every name in it (EDE 9, DNSKEY Missing); non-validating ones answer "+
		"normally (Zonemaster DNSSEC11).",
	"Remove the DS records at the parent (through the registrar) and wait for their TTL before serving the "+
		"zone unsigned, or sign the zone again with the key the DS names.",
	"RFC 4035 §5.2", "RFC 6781 §4.2.4", "RFC 8914")

var ruleDNSSECInconsistent = &Rule{
	ID: "dnssec-inconsistent", Severity: Error,
	Title: "some servers of a signed zone break the chain of trust, others do not",
	Doc: "Some servers of the zone serve it signed and validating, others serve it unsigned, with other keys or " +
		"with stale or broken signatures (a secondary that missed the signed zone, two providers without shared " +
		"keys). A validating resolver that asks one of those servers gets data it must reject: it answers " +
		"SERVFAIL or retries elsewhere, which costs time; a non-validating one answers normally. Validation " +
		"fails only for resolvers that ask those servers, so the failure comes and goes.",
	Fix: "Make every server serve the same signed zone: check zone transfers to the secondaries (serials, " +
		"IXFR of the signatures), or share the keys (multi-signer, RFC 8901) between providers.",
	Refs: []string{"RFC 4035 §5", "RFC 8901", "RFC 8914"},
	Run: func(p *Pass) {
		a := dnssecOf(p)
		for _, z := range a.order {
			if z.state != Secure || len(z.bad) == 0 {
				continue
			}
			var servers, parts []string
			var qs []int
			for _, s := range sortedKeys(z.bad) {
				servers = append(servers, s)
				iss := z.bad[s][0]
				id := iss.id
				if id == "ds-for-unsigned-zone" {
					id, iss.detail = "rrsig-missing", iss.detail+": it serves the zone unsigned"
				}
				parts = append(parts, iss.detail+" ("+id+"; a validating resolver's extended DNS error "+ede[id]+")")
				for _, x := range z.bad[s] {
					qs = append(qs, x.queries...)
				}
			}
			p.Report(Finding{
				Zone: z.v.zone, Servers: servers, Queries: qs, Steps: stepIDs(z),
				Summary: fmt.Sprintf("%s: the chain of trust breaks through %s only", z.v.zone, list(servers)),
				Explanation: strings.Join(parts, "; ") + ". " + list(z.good) + " validate" + plural(len(z.good)) +
					". A validating resolver that asks " + list(servers) + " must reject what it gets: it answers SERVFAIL " +
					"(with that extended DNS error, RFC 8914) or retries another server, slowly; a non-validating " +
					"resolver answers normally from every server.",
			})
		}
	},
}

var ruleRRSIGExpiring = &Rule{
	ID: "rrsig-expiring", Severity: Warning,
	Title: "signatures the chain needs expire within 3 days",
	Doc: "A signature the chain of trust needs is still valid but expires within three days: unless the zone is " +
		"re-signed and every server reloads it, validating resolvers will answer SERVFAIL for it (EDE 7, " +
		"Signature Expired) once it does, while non-validating ones go on answering.",
	Fix: "Check the signer (dnssec-policy, OpenDNSSEC, the cron job running dnssec-signzone) and that every " +
		"server has the freshly signed zone; signatures are usually refreshed a week or more before they expire.",
	Refs: []string{"RFC 4034 §3.1.5", "RFC 6781 §4.4.2"},
	Run: func(p *Pass) {
		a := dnssecOf(p)
		for _, z := range a.order {
			var hits []dnsIssue
			for _, iss := range z.issues {
				if iss.id == "rrsig-expiring" {
					hits = append(hits, iss)
				}
			}
			if len(hits) == 0 {
				continue
			}
			sort.SliceStable(hits, func(i, j int) bool { return hits[i].expires < hits[j].expires })
			f := issueFinding(z, hits, "rrsig-expired", "signatures expire within 3 days")
			f.Explanation = strings.TrimSuffix(f.Explanation, bogusOutcome("rrsig-expired", hits[0].zone)) +
				"Once they expire, validating resolvers answer SERVFAIL (extended DNS error 7, Signature Expired); " +
				"non-validating ones go on answering."
			p.Report(f)
		}
	},
}

var ruleSignedWithoutDS = &Rule{
	ID: "signed-without-ds", Severity: Notice,
	Title: "the zone is signed but its parent has no DS",
	Doc: "The zone's servers serve a DNSKEY RRset and signatures, but the parent proves there is no DS record " +
		"for it: no resolver can build a chain of trust to the zone, so it is validated by nobody (an island of " +
		"security). Validating and non-validating resolvers alike answer normally, without the AD flag " +
		"(Zonemaster DNSSEC07).",
	Fix: "Publish the DS of the zone's KSK at the parent (through the registrar, or CDS/CDNSKEY where the " +
		"parent reads them), or stop signing the zone.",
	Refs: []string{"RFC 4035 §4.3", "RFC 7344"},
	Run: func(p *Pass) {
		a := dnssecOf(p)
		for _, z := range a.order {
			if z.parent == nil || z.parent.state != Secure || len(z.ds) > 0 || !z.noDS || len(z.signed) == 0 {
				continue
			}
			p.Report(Finding{
				Zone: z.v.zone, Servers: z.signed, Queries: z.dnskeyQ, Steps: stepIDs(z),
				Summary: z.v.zone + " is signed, but " + z.parent.v.zone + " has no DS for it",
				Explanation: list(z.signed) + " serve" + plural(len(z.signed)) + " a DNSKEY RRset for " + z.v.zone +
					", and the servers of " + z.parent.v.zone + " answer that there is no DS for it: the zone is " +
					"insecure. Every resolver answers normally, validating ones without the AD flag; nobody checks " +
					"the signatures.",
			})
		}
	},
}

var ruleDNSSECAlgorithmDeprecated = &Rule{
	ID: "dnssec-algorithm-deprecated", Severity: Warning,
	Title: "a DS digest or DNSKEY algorithm validators no longer accept",
	Doc: "The zone's DS records or keys use an algorithm or digest that RFC 8624 and its successors say must " +
		"not be used (RSAMD5, DSA, RSASHA1, RSASHA1-NSEC3-SHA1, GOST, SHA-1 digests). Validators that dropped " +
		"them treat the zone as unsigned (EDE 1, Unsupported DNSKEY Algorithm; EDE 2, Unsupported DS Digest " +
		"Type), and more will: the zone loses its protection silently.",
	Fix: "Roll the zone to algorithm 13 (ECDSAP256SHA256) or 15 (Ed25519), and publish a SHA-256 (digest type " +
		"2) DS at the parent.",
	Refs: []string{"RFC 8624", "RFC 6781 §4.1.4", "RFC 8914"},
	Run: func(p *Pass) {
		a := dnssecOf(p)
		for _, z := range a.order {
			if len(z.algs) == 0 {
				continue
			}
			var servers, parts []string
			for _, name := range sortedKeys(z.algs) {
				parts = append(parts, name+" (from "+list(z.algs[name])+")")
				for _, s := range z.algs[name] {
					servers = appendOnce(servers, s)
				}
			}
			p.Report(Finding{
				Zone: z.v.zone, Servers: servers, Steps: stepIDs(z),
				Summary: z.v.zone + " uses " + strings.Join(sortedKeys(z.algs), " and "),
				Explanation: z.v.zone + " uses " + strings.Join(parts, "; ") + ". Validators that no longer accept it " +
					"treat the zone as unsigned and answer without validating it (extended DNS error 1 or 2, RFC " +
					"8914); non-validating resolvers are unaffected.",
			})
		}
	},
}

var ruleNoTrustAnchor = &Rule{
	ID: "no-trust-anchor", Severity: Info,
	Title: "no trust anchor for the roots given: nothing is validated",
	Doc: "The trace starts at root servers given by the user (--root-hints, --root) and no --trust-anchor was " +
		"given: the built-in IANA root keys do not apply to a private root, so nothing is validated and the " +
		"security state is indeterminate. Give the lab root's DS or DNSKEY records with --trust-anchor FILE to " +
		"validate.",
	Fix:  "Pass --trust-anchor FILE with the private root's DS or DNSKEY records (zone-file format, as Unbound's trust-anchor-file), or --no-dnssec.",
	Refs: []string{"RFC 4033 §5", "RFC 7958"},
	Run: func(p *Pass) {
		c := p.Trace.Config.DNSSEC
		if c == nil || len(c.Anchors) > 0 {
			return
		}
		// Said only when there was something to validate.
		signed := false
		for _, z := range dnssecOf(p).order {
			signed = signed || len(z.signed) > 0
		}
		if !signed {
			return
		}
		p.Report(Finding{
			Zone:        ".",
			Summary:     "no trust anchor for the root servers given: nothing was validated",
			Explanation: "The trace started at root servers given on the command line, with no --trust-anchor: the built-in IANA root keys do not apply to them, so no signature was checked and the security state is indeterminate.",
		})
	},
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// securityOf is the validation state of the trace's outcome. When it is
// bogus, the outcome's explanation says what both kinds of resolvers
// answer (once: a saved trace diagnosed again keeps one copy).
func securityOf(t *trace.Trace, fs []Finding) Security {
	sec, why := analysisOf(t, zones(t)).security(t)
	if sec != Bogus {
		return sec
	}
	cause := ""
	for _, f := range fs {
		if _, ok := ede[f.ID]; ok && f.Severity >= Critical {
			cause = f.ID + ": "
			break
		}
	}
	others := t.Outcome.Rcode
	if len(t.Outcome.Answers) > 0 {
		others += " " + strings.Join(t.Outcome.Answers, ", ")
	}
	both := "Validating resolvers: SERVFAIL (DNSSEC bogus, " + cause + strings.TrimSuffix(why, ".") + "); other resolvers: " + others
	if !strings.Contains(t.Outcome.Explanation, both) {
		t.Outcome.Explanation = strings.TrimSuffix(t.Outcome.Explanation, ".") + ". " + both
	}
	return sec
}

var ruleNSEC3Parameters = &Rule{
	ID: "nsec3-parameters", Severity: Warning,
	Title: "NSEC3 with extra iterations or a salt",
	Doc: "The zone denies names with NSEC3 records that use extra hash iterations or a salt. RFC 9276 asks for " +
		"0 extra iterations and no salt: they add no protection against zone walking and cost every resolver " +
		"CPU. Validators treat answers above their iteration limit as insecure, and some answer SERVFAIL " +
		"(EDE 27, Unsupported NSEC3 Iterations Value); non-validating resolvers are unaffected.",
	Fix: "Re-sign with NSEC3 parameters 1 0 0 - (hash SHA-1, no opt-out unless needed, 0 iterations, no salt): " +
		"in BIND, nsec3param iterations 0 optout no salt-length 0 in the dnssec-policy.",
	Refs: []string{"RFC 9276", "RFC 5155", "RFC 8914"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			params := map[string][]string{}
			var qs []int
			for _, s := range v.servers {
				for _, q := range s.Queries {
					if !q.OK() {
						continue
					}
					for _, rr := range q.Reply.Ns {
						n, ok := rr.(*dns.NSEC3)
						if !ok || !strings.EqualFold(nameParent(n.Hdr.Name), v.zone) || (n.Iterations == 0 && n.Salt == "") {
							continue
						}
						salt := strings.ToUpper(n.Salt) // the wire form has no case
						if salt == "" {
							salt = "-"
						}
						key := fmt.Sprintf("%d iterations, salt %s", n.Iterations, salt)
						if !contains(params[key], s.Label()) {
							params[key] = append(params[key], s.Label())
							qs = append(qs, q.ID)
						}
					}
				}
			}
			if len(params) == 0 {
				continue
			}
			var parts, servers []string
			for _, k := range sortedKeys(params) {
				parts = append(parts, k+" (from "+list(params[k])+")")
				for _, s := range params[k] {
					servers = appendOnce(servers, s)
				}
			}
			var steps []int
			for _, st := range v.steps {
				steps = append(steps, st.ID)
			}
			p.Report(Finding{
				Zone: v.zone, Servers: servers, Queries: qs, Steps: steps,
				Summary: v.zone + " uses NSEC3 with " + strings.Join(sortedKeys(params), " and "),
				Explanation: v.zone + "'s NSEC3 records use " + strings.Join(parts, "; ") + ", where RFC 9276 asks for 0 " +
					"iterations and no salt. Validators above their limit treat the zone's denials as insecure, and " +
					"some answer SERVFAIL (extended DNS error 27, Unsupported NSEC3 Iterations Value); " +
					"non-validating resolvers are unaffected.",
			})
		}
	},
}
