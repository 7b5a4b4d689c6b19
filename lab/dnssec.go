package lab

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// The lab signs the zones the universe signs (its dnssec lines) with
// BIND's own tools, dnssec-keygen and dnssec-signzone, at start and with
// the real clock, and breaks them as the dnssec line says, the way
// operators do: the DS of a retired key left at the parent (ds=wrong),
// signatures whose window has passed or not begun (dnssec-signzone -s/-e),
// a secondary serving the zone unsigned (unsigned=), a DS for a zone
// nobody signs, NSEC3 with extra iterations (-3 SALT -H N), a signed zone
// without DS (ds=no), the DNSKEY RRset signed by the ZSK only (only the
// ZSK given to dnssec-signzone), a SHA-1 DS (dnssec-dsfromkey -1). Three
// breakages no tool makes are done to the signed file afterwards:
// corrupt signatures (sigs=bad), signatures stripped from all but the
// DNSKEY RRset (sigs=dnskey-only) and the NSEC chain removed (nsec=no).
//
// The root's KSK is the lab's trust anchor: TrustAnchor holds its DS as
// Unbound's trust-anchor-file and ddx --trust-anchor read it, DelvAnchors
// the same as a trust-anchors clause for delv -a.

// zoneKeys are the keys dnssec-keygen made for one signed zone.
type zoneKeys struct {
	sg       sim.Signing
	ksk, zsk string   // key file base names in the key directory
	ds       []string // the DS records the parent publishes
}

// binTimeout bounds each run of a BIND tool.
const binTimeout = 30 * time.Second

func (l *Lab) keyDir() string { return filepath.Join(l.Dir, "keys") }

// tool runs one of BIND's DNSSEC tools in the key directory and returns
// its standard output.
func (l *Lab) tool(ctx context.Context, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, binTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = l.keyDir()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("lab: %s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// makeKeys runs dnssec-keygen for every signed zone (a KSK, a ZSK and,
// for ds=wrong or ds=both, the retired KSK whose DS the parent kept) and
// dnssec-dsfromkey for the DS records, then writes the trust anchors.
func (l *Lab) makeKeys(ctx context.Context) error {
	if len(l.signings) == 0 {
		return nil
	}
	if err := os.MkdirAll(l.keyDir(), 0o755); err != nil {
		return err
	}
	l.keys = map[string]*zoneKeys{}
	for _, sg := range l.signings {
		k := &zoneKeys{sg: sg}
		var err error
		if k.ksk, err = l.tool(ctx, "dnssec-keygen", "-q", "-K", ".", "-a", "ED25519", "-f", "KSK", sg.Zone); err != nil {
			return err
		}
		if k.zsk, err = l.tool(ctx, "dnssec-keygen", "-q", "-K", ".", "-a", "ED25519", sg.Zone); err != nil {
			return err
		}
		var dsKeys []string
		switch sg.DS {
		case "yes":
			dsKeys = []string{k.ksk}
		case "wrong", "both":
			retired, err := l.tool(ctx, "dnssec-keygen", "-q", "-K", ".", "-a", "ED25519", "-f", "KSK", sg.Zone)
			if err != nil {
				return err
			}
			dsKeys = []string{retired}
			if sg.DS == "both" {
				dsKeys = append(dsKeys, k.ksk)
			}
		}
		for _, key := range dsKeys {
			ds, err := l.tool(ctx, "dnssec-dsfromkey", fmt.Sprintf("-%d", sg.Digest), "-T", "86400", key+".key")
			if err != nil {
				return err
			}
			k.ds = append(k.ds, ds)
		}
		l.keys[sg.Zone] = k
	}
	root := l.keys["."]
	if root == nil {
		return nil
	}
	ds, err := l.tool(ctx, "dnssec-dsfromkey", "-2", root.ksk+".key")
	if err != nil {
		return err
	}
	rr, err := dns.NewRR(ds)
	if err != nil {
		return fmt.Errorf("lab: the root's DS %q: %w", ds, err)
	}
	d := rr.(*dns.DS)
	l.TrustAnchor = filepath.Join(l.Dir, "trust-anchor.ds")
	l.DelvAnchors = filepath.Join(l.Dir, "trust-anchors.conf")
	if err := os.WriteFile(l.TrustAnchor, []byte(ds+"\n"), 0o644); err != nil {
		return err
	}
	clause := fmt.Sprintf("trust-anchors {\n\t\".\" static-ds %d %d %d \"%s\";\n};\n", d.KeyTag, d.Algorithm, d.DigestType, d.Digest)
	return os.WriteFile(l.DelvAnchors, []byte(clause), 0o644)
}

// childDS are the lab's DS records for the signed zones delegated from
// the zone whose records these are.
func (l *Lab) childDS(origin string, records []dns.RR) []string {
	var out []string
	for _, rr := range records {
		ns, ok := rr.(*dns.NS)
		if !ok || ns.Hdr.Name == origin {
			continue
		}
		if k := l.keys[ns.Hdr.Name]; k != nil && dns.IsSubDomain(origin, ns.Hdr.Name) {
			out = append(out, k.ds...)
		}
	}
	return dedupe(out)
}

func dedupe(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range lines {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// isSimDNSSEC: the records the universe's own signing added, which the
// lab replaces with its own keys and DS records.
func isSimDNSSEC(rr dns.RR) bool {
	switch rr.Header().Rrtype {
	case dns.TypeDNSKEY, dns.TypeDS, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeCDS, dns.TypeCDNSKEY:
		return true
	}
	return false
}

// signedCopy reports whether this copy of a zone is the signed one: the
// universe put the zone's DNSKEY RRset in it (a server with unsigned=
// keeps the copy without).
func signedCopy(z *sim.Zone) bool {
	for _, rr := range z.Records() {
		if rr.Header().Rrtype == dns.TypeDNSKEY && rr.Header().Name == z.Origin {
			return true
		}
	}
	return false
}

// signZone signs the translated zone text into out with dnssec-signzone,
// as the zone's dnssec line says; stale signs it with signatures that
// expired (a secondary that stopped transferring it).
func (l *Lab) signZone(ctx context.Context, origin, text, out string, stale bool) error {
	k := l.keys[origin]
	if k == nil {
		return fmt.Errorf("lab: %s has a DNSKEY but no dnssec line", origin)
	}
	sg := k.sg
	if stale {
		sg.Sigs = "expired"
	}
	var keys strings.Builder
	for _, key := range []string{k.ksk, k.zsk} {
		b, err := os.ReadFile(filepath.Join(l.keyDir(), key+".key"))
		if err != nil {
			return err
		}
		keys.Write(b)
	}
	unsigned := out + ".unsigned"
	if err := os.WriteFile(unsigned, []byte(text+keys.String()), 0o644); err != nil {
		return err
	}
	inc, exp := sg.Window(time.Now())
	const stamp = "20060102150405"
	// -P: no verification afterwards, which refuses what the broken zones
	// are there to show.
	argv := []string{"dnssec-signzone", "-q", "-P", "-o", origin, "-f", out, "-K", ".",
		"-s", inc.UTC().Format(stamp), "-e", exp.UTC().Format(stamp)}
	if p := sg.NSEC3; p != nil {
		salt := strings.ToLower(p.Salt)
		if salt == "" {
			salt = "-"
		}
		argv = append(argv, "-3", salt, "-H", fmt.Sprint(p.Iterations))
	}
	if sg.DNSKEYSigner == "zsk" {
		// Given only the ZSK, dnssec-signzone signs the DNSKEY RRset
		// with it; the KSK is in the RRset, unused.
		argv = append(argv, unsigned, k.zsk)
	} else {
		// -x: the KSK alone signs the DNSKEY RRset, as the demo does.
		argv = append(argv, "-x", unsigned, k.ksk, k.zsk)
	}
	if _, err := l.tool(ctx, argv...); err != nil {
		return err
	}
	if sg.Sigs != "bad" && sg.Sigs != "dnskey-only" && !sg.NoNSEC {
		return nil
	}
	return breakSigned(out, origin, sg)
}

// breakSigned does to a signed zone file what no tool does: corrupts
// every signature, keeps only the DNSKEY RRset's, or drops the NSEC chain.
func breakSigned(file, origin string, sg sim.Signing) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	zp := dns.NewZoneParser(f, origin, file)
	var b strings.Builder
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		sig, isSig := rr.(*dns.RRSIG)
		switch {
		case sg.NoNSEC && (rr.Header().Rrtype == dns.TypeNSEC || isSig && sig.TypeCovered == dns.TypeNSEC):
			continue
		case isSig && sg.Sigs == "dnskey-only" && sig.TypeCovered != dns.TypeDNSKEY:
			continue
		case isSig && sg.Sigs == "bad":
			s := []byte(sig.Signature)
			if s[0] == 'A' {
				s[0] = 'B'
			} else {
				s[0] = 'A'
			}
			sig.Signature = string(s)
		}
		b.WriteString(rr.String() + "\n")
	}
	f.Close()
	if err := zp.Err(); err != nil {
		return fmt.Errorf("lab: reading the signed %s: %w", file, err)
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

// ValidatingAddr is the lab's validating resolver: an Unbound with the
// lab root's KSK as its trust anchor, which answers SERVFAIL with an
// Extended DNS Error (RFC 8914) where the chain is bogus and sets AD where
// it is secure. BindAddr is its non-validating counterpart.
var ValidatingAddr = netip.MustParseAddr("127.53.250.4")

func (l *Lab) writeValidatingUnbound() error {
	if l.TrustAnchor == "" {
		return nil
	}
	conf := unboundServer([]string{ValidatingAddr.String()}, l.Dir, "unbound-validating.pid", l.Hints, fmt.Sprintf(`	val-log-level: 2
	module-config: "validator iterator"
	trust-anchor-file: "%s"
	ede: yes
`, l.TrustAnchor)+resolverTuning)
	return os.WriteFile(filepath.Join(l.Dir, "unbound-validating.conf"), []byte(conf), 0o644)
}
