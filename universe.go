// Package ddx holds the demo universe: the zone files and server map under
// testdata/universe, embedded so that `ddx demo` needs no files or network.
package ddx

import "embed"

// Universe is testdata/universe. Load it with sim.Load(Universe, UniverseDir).
//
//go:embed testdata/universe
var Universe embed.FS

// UniverseDir is the universe's directory inside Universe.
const UniverseDir = "testdata/universe"

// A Scenario is one problem of the demo universe: what to trace (a name,
// optionally followed by a type) and what it shows.
type Scenario struct{ Query, About string }

// Scenarios are the demo universe's problems, one per zone, in the order
// `ddx demo` lists them.
var Scenarios = []Scenario{
	{"www.healthy.test", "healthy: two servers, IPv4 and IPv6, glue"},
	{"cdn.healthy.test", "a CNAME into a zone whose servers have no glue"},
	{"gone.lab", "a stale parent server still delegates a deleted zone to dead servers (SERVFAIL or NXDOMAIN)"},
	{"www.lame.test", "one server is lame: it answers REFUSED"},
	{"www.dead.test", "every server is dead: resolvers answer SERVFAIL"},
	{"www.halfdead.test", "one of two servers times out"},
	{"www.mismatch.test", "the parent and the zone list different name servers"},
	{"www.renumbered.test", "stale glue: the parent still has a server's old address"},
	{"www.trailing.test", "an NS written without its trailing dot"},
	{"www.edns.test", "a server answers FORMERR to EDNS"},
	{"www.slow.test", "a server takes 900 ms to answer"},
	{"big.tcp.test TXT", "a truncated answer whose TCP retry fails"},
	{"www.upward.test", "a server refers back to the root"},
	{"www.recursive.test", "a listed server is an open recursive resolver"},
	{"www.servfail.test", "a server answers SERVFAIL for its zone"},
	{"www.serial.test", "servers serve different serials and answers"},
	{"www.shared.test", "two name servers, one address"},
	{"www.single.test", "only one name server"},
	{"www.many.test", "nine name servers"},
	{"www.unres.test", "a name server whose name does not exist"},
	{"www.nsalias.test", "a name server that is a CNAME"},
	{"mxalias.test MX", "an MX that points to a CNAME"},
	{"www.wild.test MX", "a wildcard MX"},
	{"www.loop.test", "a CNAME loop"},
	{"www.chain.test", "a chain of CNAMEs"},
	{"www.nsttl.test", "NS records with TTL 0"},
	{"www.timers.test", "SOA timers out of range"},
	{"www.inconsistent.test", "the zone's servers publish different NS sets"},
	{"www.unreach.test", "a server's port is closed (ICMP unreachable)"},
	{"www.missingglue.test", "in-zone name servers without glue"},
	{"www.deep.test", "glueless name servers two levels deep"},
	{"www.cycle.test", "glueless name servers that depend on each other"},
	{"www.sub.extraglue.test", "a referral carries glue from outside its bailiwick"},
	{"nosuch.test", "a zone that is not delegated (try ddx check nosuch.test --demo)"},
	{"192.0.2.10", "an address typed as a name (use -x)"},
	// Lab scenarios for issue #12 (lab/e2e_test.go runs them on real servers).
	{"www.sluggish.test", "a server takes 1.5 s to answer: slow, not dead"},
	{"www.openres.test", "a listed server is an open resolver (Unbound in the lab)"},
	{"www.aliasglue.test", "a name server that is a CNAME, although the parent has glue for it"},
	{"www.child.parent.test", "a child zone served by its parent's servers (try ddx check child.parent.test)"},
	// DNSSEC scenarios for issue #15: the root and test. are signed.
	{"www.secure.test", "a signed zone with its DS at the parent: secure"},
	{"www.dsmismatch.test", "the parent's DS is for a retired key: bogus, validating resolvers answer SERVFAIL"},
	{"www.expired.test", "the zone's signatures expired two days ago: bogus"},
	{"www.halfsigned.test", "one secondary serves the zone unsigned: bogus through that server only"},
	// Server conformance scenarios for issue #14: ddx check probes them.
	{"www.types.test AAAA", "a server never answers AAAA queries (try ddx check types.test)"},
	{"www.ednscomp.test", "servers fail ISC's EDNS compliance tests (try ddx check ednscomp.test)"},
	{"www.case.test", "a server lowercases the echoed query name (try ddx check case.test)"},
	{"www.noaa.test", "a server answers from the zone without the AA bit: lame"},
	{"www.udponly.test", "a filter in front of a server passes TCP only"},
	{"www.noedns.test", "one server drops every EDNS query, the other every query with an EDNS option (try ddx check noedns.test)"},
	{"www.typefail.test MX", "servers answer MX SERVFAIL and TXT FORMERR or REFUSED (try ddx check typefail.test)"},
	{"www.private.test", "a name server's glue is a private address"},
	// More DNSSEC scenarios for issue #15, one per finding.
	{"www.island.test", "signed, but test. has no DS for it: an island of security"},
	{"www.dsunsigned.test", "test. has a DS for it, but neither server signs it"},
	{"www.zsksigned.test", "the DNSKEY RRset is signed by the ZSK only, not by the key the DS names"},
	{"www.future.test", "the signer's clock is two days ahead: every signature starts in the future"},
	{"www.badsig.test", "every signature is corrupt"},
	{"www.sigless.test", "only the DNSKEY RRset is signed"},
	{"nosuch.unproved.test", "NXDOMAIN without NSEC records"},
	{"www.expiring.test", "the signatures expire in about 30 hours"},
	{"www.sha1ds.test", "the DS at test. uses a SHA-1 digest"},
	{"nosuch.nsec3iter.test", "NSEC3 with 10 extra iterations and a salt"},
	// SOA and glue scenarios for issue #14: ddx check probes them.
	{"www.mname.test", "the SOA names a primary with no address (try ddx check mname.test)"},
	{"www.contact.test", "the SOA contact's mail domain does not exist (try ddx check contact.test)"},
	{"www.sibglue.test", "stale glue for a name server in a sibling zone (try ddx check sibglue.test)"},
	// Zone transfer scenarios for issue #16: ddx check asks for an AXFR.
	{"www.axfr.test", "a server transfers the zone to anyone, and the zone has mistakes (try ddx check axfr.test)"},
	{"www.copies.test", "two servers hold different copies at one serial (try ddx check copies.test)"},
	// Zones on their parent's servers (issue #15): no referral shows the cut.
	{"www.stale.samesrv.test", "a signed zone on its parent's servers whose DS is for a retired key: bogus"},
	{"www.ok.samesrv.test", "a signed zone on its parent's servers: secure, its DS asked of the parent side"},
	// Name server addresses for issue #14.
	{"www.onenet.test", "both name servers in one /24: one routing problem takes the zone down"},
	// Reverse DNS scenarios for issue #16: --ptr looks up the PTRs.
	{"noptr.test MX", "the mail server's address has no PTR (try ddx check noptr.test --demo --ptr)"},
	{"wrongptr.test MX", "the mail server's PTR names another host (try ddx check wrongptr.test --demo --ptr)"},
}
