package sim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Signing is how a zone of the universe is signed, from a dnssec line of
// servers.conf:
//
//	dnssec ZONE [ds=yes|no|wrong|both] [sigs=valid|expired|future|expiring|bad|dnskey-only]
//	            [dnskey-signer=ksk|zsk] [digest=2|1] [nsec=yes|no|no-wildcard] [nsec3=ITERATIONS[:SALT]]
//
// Keys are Ed25519 (algorithm 15), a KSK and a ZSK derived from the zone's
// name, so every load signs alike. ds=yes puts the KSK's DS in the parent
// zone, ds=wrong the DS of another key (a rollover done in the wrong
// order), ds=both that DS and the right one (a rollover in progress),
// ds=no none (an island of security). sigs shifts every signature's
// validity window (expiring: 30 hours from load); bad corrupts them;
// dnskey-only signs nothing but the DNSKEY RRset. dnskey-signer=zsk signs
// the DNSKEY RRset with the ZSK only. nsec=no leaves the NSEC records out
// of negative answers; nsec=no-wildcard only the wildcard proofs: that no
// closer name matched, in an answer synthesized from a wildcard, and that
// no wildcard exists, in an NXDOMAIN (RFC 4035 §3.1.3.3 and §3.1.3.2). nsec3 denies with NSEC3 (RFC 5155, no opt-out)
// instead of NSEC, with that many extra iterations and that salt (hex).
// A server with unsigned=ZONE serves the zone without any DNSSEC record (a
// secondary that missed the signed zone), one with stale=ZONE serves it
// with signatures that expired (a secondary that stopped transferring it).
type Signing struct {
	Zone         string
	DS           string
	Sigs         string
	DNSKEYSigner string
	Digest       uint8
	NoNSEC       bool
	NoWildProof  bool
	NSEC3        *dns.NSEC3PARAM // nil: NSEC
	ksk, zsk     *dns.DNSKEY
	kskPriv      ed25519.PrivateKey
	zskPriv      ed25519.PrivateKey
}

func parseSigning(fields []string) (*Signing, error) {
	if len(fields) < 1 {
		return nil, fmt.Errorf("want: dnssec ZONE [ds=yes|no|wrong] [sigs=...] [dnskey-signer=ksk|zsk] [digest=2|1]")
	}
	sg := &Signing{Zone: dns.Fqdn(strings.ToLower(fields[0])), DS: "yes", Sigs: "valid", DNSKEYSigner: "ksk", Digest: dns.SHA256}
	for _, kv := range fields[1:] {
		k, v, _ := strings.Cut(kv, "=")
		bad := false
		switch k {
		case "ds":
			sg.DS, bad = v, v != "yes" && v != "no" && v != "wrong" && v != "both"
		case "sigs":
			sg.Sigs = v
			switch v {
			case "valid", "expired", "future", "expiring", "bad", "dnskey-only":
			default:
				bad = true
			}
		case "dnskey-signer":
			sg.DNSKEYSigner, bad = v, v != "ksk" && v != "zsk"
		case "nsec":
			sg.NoNSEC, sg.NoWildProof, bad = v == "no", v == "no-wildcard", v != "yes" && v != "no" && v != "no-wildcard"
		case "nsec3":
			it, salt, _ := strings.Cut(v, ":")
			n, err := strconv.Atoi(it)
			_, herr := hex.DecodeString(salt)
			bad = err != nil || n < 0 || n > 65535 || herr != nil
			sg.NSEC3 = &dns.NSEC3PARAM{Hdr: dns.RR_Header{Name: sg.Zone, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET},
				Hash: dns.SHA1, Iterations: uint16(n), SaltLength: uint8(len(salt) / 2), Salt: strings.ToUpper(salt)}
		case "digest":
			n, err := strconv.Atoi(v)
			sg.Digest, bad = uint8(n), err != nil || (n != 1 && n != 2)
		default:
			return nil, fmt.Errorf("dnssec %s: unknown key %q", sg.Zone, k)
		}
		if bad {
			return nil, fmt.Errorf("dnssec %s: bad value %q", sg.Zone, kv)
		}
	}
	sg.ksk, sg.kskPriv = simKey(sg.Zone, "ksk", 257)
	sg.zsk, sg.zskPriv = simKey(sg.Zone, "zsk", 256)
	return sg, nil
}

// simKey derives an Ed25519 DNSKEY for zone from a fixed seed.
func simKey(zone, role string, flags uint16) (*dns.DNSKEY, ed25519.PrivateKey) {
	type pair struct {
		key  *dns.DNSKEY
		priv ed25519.PrivateKey
	}
	id := fmt.Sprint(zone, " ", role, " ", flags)
	if p, ok := keyCache.Load(id); ok {
		return dns.Copy(p.(pair).key).(*dns.DNSKEY), p.(pair).priv
	}
	k, priv := newSimKey(zone, role, flags)
	keyCache.Store(id, pair{dns.Copy(k).(*dns.DNSKEY), priv})
	return k, priv
}

// keyCache holds the keys derived so far (deriving one costs as much as
// signing a hundred RRsets).
var keyCache sync.Map

func newSimKey(zone, role string, flags uint16) (*dns.DNSKEY, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte("ddx demo universe " + role + " " + zone))
	priv := ed25519.NewKeyFromSeed(seed[:])
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     flags,
		Protocol:  3,
		Algorithm: dns.ED25519,
	}
	k.PublicKey = base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	return k, priv
}

// dsRecords are the DS records the parent publishes for the zone.
func (sg *Signing) dsRecords() []dns.RR {
	retired, _ := simKey(sg.Zone, "retired ksk", 257)
	var keys []*dns.DNSKEY
	switch sg.DS {
	case "yes":
		keys = []*dns.DNSKEY{sg.ksk}
	case "wrong":
		keys = []*dns.DNSKEY{retired}
	case "both":
		keys = []*dns.DNSKEY{retired, sg.ksk}
	}
	var out []dns.RR
	for _, k := range keys {
		ds := k.ToDS(sg.Digest)
		ds.Hdr.Ttl = 86400
		out = append(out, ds)
	}
	return out
}

// window is the validity of the zone's signatures around now.
func (sg *Signing) window(now time.Time) (inception, expiration time.Time) {
	day := now.UTC().Truncate(24 * time.Hour)
	switch sg.Sigs {
	case "expired":
		return day.AddDate(0, 0, -30), day.AddDate(0, 0, -2)
	case "future":
		return day.AddDate(0, 0, 2), day.AddDate(0, 0, 30)
	case "expiring":
		return day.AddDate(0, 0, -7), now.Add(30 * time.Hour).Truncate(time.Hour)
	}
	return day.AddDate(0, 0, -7), day.AddDate(0, 0, 30)
}

// TrustAnchors implements trace.TrustAnchorer: the DS of the root's KSK
// when the universe's root is signed.
func (u *Universe) TrustAnchors() []dns.RR {
	for _, sg := range u.signings {
		if sg.Zone == "." {
			ds := sg.ksk.ToDS(dns.SHA256)
			return []dns.RR{ds}
		}
	}
	return nil
}

// signZones adds the DS records of the signed zones to their parents and
// replaces every copy of a signed zone with its signed form, except on
// the servers that serve it unsigned.
func (u *Universe) signZones(now time.Time) error {
	if len(u.signings) == 0 {
		return nil
	}
	// Every distinct copy of every zone, by origin.
	copies := map[string][]*Zone{}
	seen := map[*Zone]bool{}
	for _, a := range u.Addresses() {
		for _, z := range u.servers[a].Zones {
			if !seen[z] {
				seen[z] = true
				copies[z.Origin] = append(copies[z.Origin], z)
			}
		}
	}
	for _, sg := range u.signings {
		if len(copies[sg.Zone]) == 0 {
			return fmt.Errorf("servers.conf: dnssec %s: no server serves it", sg.Zone)
		}
		ds := sg.dsRecords()
		if sg.Zone == "." || len(ds) == 0 {
			continue
		}
		for origin, zs := range copies {
			if origin == sg.Zone || !dns.IsSubDomain(origin, sg.Zone) {
				continue
			}
			for _, z := range zs {
				if _, ok := z.rrsets[sg.Zone][dns.TypeNS]; ok {
					z.rrsets[sg.Zone][dns.TypeDS] = ds
				}
			}
		}
	}
	signed, stale := map[*Zone]*Zone{}, map[*Zone]*Zone{}
	for _, sg := range u.signings {
		old := *sg
		old.Sigs = "expired"
		for _, z := range copies[sg.Zone] {
			sz, err := z.sign(sg, now)
			if err != nil {
				return err
			}
			signed[z] = sz
			if u.staleSomewhere(sg.Zone) {
				if stale[z], err = z.sign(&old, now); err != nil {
					return err
				}
			}
		}
	}
	for _, s := range u.servers {
		for origin, z := range s.Zones {
			switch {
			case signed[z] == nil || s.unsigned[origin]:
			case s.stale[origin]:
				s.Zones[origin] = stale[z]
			default:
				s.Zones[origin] = signed[z]
			}
		}
	}
	return nil
}

func (u *Universe) staleSomewhere(zone string) bool {
	for _, s := range u.servers {
		if s.stale[zone] {
			return true
		}
	}
	return false
}

// sign returns a signed copy of z: DNSKEY at the apex, an NSEC chain, and
// an RRSIG for every authoritative RRset.
func (z *Zone) sign(sg *Signing, now time.Time) (*Zone, error) {
	sz := &Zone{Origin: z.Origin, SOA: z.SOA, rrsets: map[string]map[uint16][]dns.RR{}, names: z.names,
		sec: &signedData{sigs: map[string]map[uint16][]dns.RR{}, nsec: map[string]*dns.NSEC{}, noNSEC: sg.NoNSEC, noWildProof: sg.NoWildProof}}
	for owner, sets := range z.rrsets {
		sz.rrsets[owner] = map[uint16][]dns.RR{}
		for t, rrs := range sets {
			sz.rrsets[owner][t] = rrs
		}
	}
	sz.rrsets[z.Origin][dns.TypeDNSKEY] = []dns.RR{sg.ksk, sg.zsk}
	if sg.NSEC3 != nil {
		p := *sg.NSEC3
		p.Hdr.Ttl = 0
		sz.rrsets[z.Origin][dns.TypeNSEC3PARAM] = []dns.RR{&p}
	}
	// Authoritative owners: not below a cut (glue), and cuts themselves.
	var owners []string
	for owner := range sz.rrsets {
		if cut := sz.delegation(owner, dns.TypeA); cut != "" && cut != owner {
			continue
		}
		owners = append(owners, owner)
	}
	sort.Slice(owners, func(i, j int) bool { return canonicalLess(owners[i], owners[j]) })
	inc, exp := sg.window(now)
	for i, owner := range owners {
		cut := owner != z.Origin && sz.rrsets[owner][dns.TypeNS] != nil
		types := []uint16{dns.TypeNSEC, dns.TypeRRSIG}
		for t := range sz.rrsets[owner] {
			types = append(types, t)
		}
		if cut && sz.rrsets[owner][dns.TypeDS] == nil {
			types = types[:0]
			types = append(types, dns.TypeNSEC, dns.TypeNS)
		}
		sort.Slice(types, func(a, b int) bool { return types[a] < types[b] })
		nsec := &dns.NSEC{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: z.SOA.Minttl},
			NextDomain: owners[(i+1)%len(owners)], TypeBitMap: types}
		if sg.NSEC3 == nil {
			sz.sec.nsec[owner] = nsec
			sz.sec.nsecOwners = append(sz.sec.nsecOwners, owner)
			if err := sz.addSig(sg, []dns.RR{nsec}, inc, exp); err != nil {
				return nil, err
			}
		}
		for t, rrs := range sz.rrsets[owner] {
			if cut && t != dns.TypeDS {
				continue // the delegation's NS set is not signed by the parent
			}
			if err := sz.addSig(sg, rrs, inc, exp); err != nil {
				return nil, err
			}
		}
	}
	if sg.NSEC3 != nil {
		if err := sz.nsec3Chain(sg, inc, exp); err != nil {
			return nil, err
		}
	}
	return sz, nil
}

// nsec3Chain hashes every authoritative name of the zone, empty
// non-terminals included, into an NSEC3 chain (RFC 5155 §7.1).
func (z *Zone) nsec3Chain(sg *Signing, inc, exp time.Time) error {
	p := sg.NSEC3
	type link struct {
		hash, name string
	}
	var links []link
	for name := range z.names {
		if cut := z.delegation(name, dns.TypeA); cut != "" && cut != name {
			continue // below a delegation: glue, not the zone's
		}
		links = append(links, link{dns.HashName(name, p.Hash, p.Iterations, p.Salt), name})
	}
	sort.Slice(links, func(i, j int) bool { return links[i].hash < links[j].hash })
	z.sec.nsec3 = map[string]*dns.NSEC3{}
	for i, l := range links {
		cut := l.name != z.Origin && z.rrsets[l.name][dns.TypeNS] != nil
		var types []uint16
		for t := range z.rrsets[l.name] {
			if !cut || t == dns.TypeNS || t == dns.TypeDS {
				types = append(types, t)
			}
		}
		if len(types) > 0 && (!cut || z.rrsets[l.name][dns.TypeDS] != nil) {
			types = append(types, dns.TypeRRSIG)
		}
		sort.Slice(types, func(a, b int) bool { return types[a] < types[b] })
		n := &dns.NSEC3{
			Hdr:  dns.RR_Header{Name: strings.ToLower(l.hash) + "." + z.Origin, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: z.SOA.Minttl},
			Hash: p.Hash, Iterations: p.Iterations, SaltLength: p.SaltLength, Salt: p.Salt,
			HashLength: 20, NextDomain: links[(i+1)%len(links)].hash, TypeBitMap: types,
		}
		z.sec.nsec3[l.name] = n
		z.sec.nsec3Sorted = append(z.sec.nsec3Sorted, n)
		if err := z.addSig(sg, []dns.RR{n}, inc, exp); err != nil {
			return err
		}
	}
	return nil
}

// nsec3Covering is the NSEC3 record whose hash span covers name's hash.
func (z *Zone) nsec3Covering(name string) *dns.NSEC3 {
	for _, n := range z.sec.nsec3Sorted {
		if n.Cover(name) {
			return n
		}
	}
	return nil
}

// sigCache holds the signatures made so far, by what they sign.
var (
	sigCache     sync.Map
	sigCacheSize atomic.Int64
)

func (z *Zone) addSig(sg *Signing, rrs []dns.RR, inc, exp time.Time) error {
	h := rrs[0].Header()
	if sg.Sigs == "dnskey-only" && h.Rrtype != dns.TypeDNSKEY {
		return nil
	}
	key, priv := sg.zsk, sg.zskPriv
	if h.Rrtype == dns.TypeDNSKEY && sg.DNSKEYSigner == "ksk" {
		key, priv = sg.ksk, sg.kskPriv
	}
	sig := &dns.RRSIG{
		Hdr:       dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
		Algorithm: key.Algorithm, KeyTag: key.KeyTag(), SignerName: z.Origin,
		Inception: uint32(inc.Unix()), Expiration: uint32(exp.Unix()),
	}
	// Signing is deterministic: every load of the universe (each test
	// loads its own) reuses the signatures of the loads before it.
	var data strings.Builder
	fmt.Fprintf(&data, "%s %s %d %d", z.Origin, key.PublicKey, sig.Inception, sig.Expiration)
	for _, rr := range rrs {
		data.WriteString("\n" + rr.String())
	}
	if cached, ok := sigCache.Load(data.String()); ok {
		sig = dns.Copy(cached.(*dns.RRSIG)).(*dns.RRSIG)
	} else {
		if err := sig.Sign(priv, rrs); err != nil {
			return fmt.Errorf("signing %s %s: %w", h.Name, dns.TypeToString[h.Rrtype], err)
		}
		if sigCacheSize.Add(1) < 1<<16 {
			sigCache.Store(data.String(), dns.Copy(sig))
		}
	}
	if sg.Sigs == "bad" {
		b := []byte(sig.Signature)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		sig.Signature = string(b)
	}
	if z.sec.sigs[h.Name] == nil {
		z.sec.sigs[h.Name] = map[uint16][]dns.RR{}
	}
	z.sec.sigs[h.Name][h.Rrtype] = append(z.sec.sigs[h.Name][h.Rrtype], sig)
	return nil
}
