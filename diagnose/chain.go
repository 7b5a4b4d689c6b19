package diagnose

import (
	"sort"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// ChainLink is one zone's link in the chain of trust, as the trace's
// validation saw it: the DS records above it, the keys its servers serve,
// the signatures over those keys, and where and on which servers it
// breaks. The text output prints it at each zone cut; the explorer's
// chain view draws it as a tree.
type ChainLink struct {
	Zone     string   `json:"zone"`
	Parent   string   `json:"parent,omitempty"` // the zone above whose DS it rests on
	State    Security `json:"state"`
	Why      string   `json:"why,omitempty"`      // what made it insecure, bogus or indeterminate
	Anchored bool     `json:"anchored,omitempty"` // the DS are trust anchors, not the parent's
	// DS are the validated DS records of the parent (or the anchors).
	DS []ChainDS `json:"ds,omitempty"`
	// Keys are the DNSKEYs any server of the zone serves.
	Keys []ChainKey `json:"keys,omitempty"`
	// Sigs are the RRSIGs over the DNSKEY RRset, from any server.
	Sigs []ChainSig `json:"sigs,omitempty"`
	// Good are the servers whose chain validates; Breaks say, per server,
	// what breaks the others' (finding ID and evidence).
	Good   []string     `json:"good,omitempty"`
	Breaks []ChainBreak `json:"breaks,omitempty"`
	// Time is when the chain was validated (Unix seconds): the
	// signatures' windows are read against it.
	Time int64 `json:"time"`
}

// ChainDS is a DS record, and the key tag of the DNSKEY it matches (0 for
// none).
type ChainDS struct {
	KeyTag     uint16 `json:"key_tag"`
	Algorithm  uint8  `json:"algorithm"`
	DigestType uint8  `json:"digest_type"`
	Matches    uint16 `json:"matches,omitempty"`
}

// ChainKey is a DNSKEY: its tag, algorithm, role (KSK when the SEP flag
// is set), whether a DS matches it, and which servers serve it.
type ChainKey struct {
	KeyTag    uint16   `json:"key_tag"`
	Algorithm uint8    `json:"algorithm"`
	KSK       bool     `json:"ksk,omitempty"`
	ByDS      bool     `json:"by_ds,omitempty"`
	Servers   []string `json:"servers"`
}

// ChainSig is an RRSIG over the DNSKEY RRset: who signed and for when.
type ChainSig struct {
	KeyTag     uint16 `json:"key_tag"`
	Algorithm  uint8  `json:"algorithm"`
	Inception  int64  `json:"inception"`  // Unix seconds
	Expiration int64  `json:"expiration"` // Unix seconds
}

// ChainBreak is one reason a server's chain breaks.
type ChainBreak struct {
	Server string `json:"server"`
	ID     string `json:"id"`
	Detail string `json:"detail"`
}

// Signed reports whether the zone takes part in DNSSEC at all: a DS
// above it, or a key served by one of its servers.
func (l ChainLink) Signed() bool { return len(l.DS) > 0 || len(l.Keys) > 0 }

// Chain is the chain of trust of every zone of the trace, from the root
// down; nil when the trace did not validate DNSSEC (--no-dnssec).
func Chain(t *trace.Trace) []ChainLink {
	a := analysisOf(t, zones(t))
	if a.cfg == nil {
		return nil
	}
	out := make([]ChainLink, 0, len(a.order))
	for _, z := range a.order {
		out = append(out, z.link(a.now))
	}
	return out
}

func (z *zoneSec) link(now int64) ChainLink {
	l := ChainLink{Zone: z.v.zone, State: z.state, Why: z.why, Anchored: z.anchored, Good: z.good, Time: now}
	if z.parent != nil {
		l.Parent = z.parent.v.zone
	}
	keys := map[uint16]int{} // key tag → index in l.Keys
	sigSeen := map[[2]int64]bool{}
	for _, s := range z.v.servers {
		q := first(s, trace.PurposeDNSKEY)
		if q == nil || q.Reply == nil || q.Reply.Rcode != dns.RcodeSuccess {
			continue
		}
		for _, k := range dnskeys(q.Reply.Answer, z.v.zone) {
			tag := k.KeyTag()
			i, ok := keys[tag]
			if !ok {
				i = len(l.Keys)
				keys[tag] = i
				ck := ChainKey{KeyTag: tag, Algorithm: k.Algorithm, KSK: k.Flags&dns.SEP != 0}
				for _, ds := range z.ds {
					if dsMatches(k, ds) {
						ck.ByDS = true
					}
				}
				l.Keys = append(l.Keys, ck)
			}
			l.Keys[i].Servers = appendOnce(l.Keys[i].Servers, s.Label())
		}
		for _, sig := range sigsOf(q.Reply.Answer, z.v.zone, dns.TypeDNSKEY) {
			id := [2]int64{int64(sig.KeyTag), int64(sig.Expiration)}
			if sigSeen[id] {
				continue
			}
			sigSeen[id] = true
			l.Sigs = append(l.Sigs, ChainSig{KeyTag: sig.KeyTag, Algorithm: sig.Algorithm,
				Inception: sigTime(sig.Inception, now), Expiration: sigTime(sig.Expiration, now)})
		}
	}
	for _, ds := range z.ds {
		cd := ChainDS{KeyTag: ds.KeyTag, Algorithm: ds.Algorithm, DigestType: ds.DigestType}
		for _, k := range l.Keys {
			if k.KeyTag == ds.KeyTag && k.Algorithm == ds.Algorithm && k.ByDS {
				cd.Matches = k.KeyTag
			}
		}
		l.DS = append(l.DS, cd)
	}
	servers := make([]string, 0, len(z.bad))
	for s := range z.bad {
		servers = append(servers, s)
	}
	sort.Strings(servers)
	for _, s := range servers {
		for _, iss := range z.bad[s] {
			l.Breaks = append(l.Breaks, ChainBreak{Server: s, ID: iss.id, Detail: iss.detail})
		}
	}
	return l
}
