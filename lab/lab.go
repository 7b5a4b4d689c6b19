// Package lab runs the demo universe on real DNS software: BIND (one view
// per server address) and NSD behind a fault proxy on 127.53.0.0/16, with
// Unbound and BIND resolvers on the lab root. Tests start it; nothing in it
// leaves loopback.
package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// ErrUnavailable means the lab cannot run on this machine (not root, or a
// package is missing); the error says what to do.
var ErrUnavailable = errors.New("lab unavailable")

// Packages are the Debian packages the lab needs.
var Packages = []string{"bind9", "bind9-utils", "nsd", "unbound", "bind9-dnsutils", "ldnsutils", "zonemaster-cli", "iproute2"}

// Resolver addresses.
var (
	UnboundAddr = netip.MustParseAddr("127.53.250.1") // cache-min-ttl 86400; asks the stale lab. server
	BindAddr    = netip.MustParseAddr("127.53.250.2") // never asks the stale lab. server
)

// Server is one universe server as the lab runs it.
type Server struct {
	*sim.Server
	Public  netip.Addr // where ddx asks (the proxy)
	Backend netip.Addr // where BIND or NSD answers
	Engine  string     // bind, nsd, unbound or none
}

// Lab is a running lab.
type Lab struct {
	Dir   string
	Hints string // named.root for the lab root
	// CA is the PEM file of the CA the lab made at start, which signed
	// the encrypted resolver's certificate (EncryptedAddr as IP SAN):
	// ddx compare --tls-ca CA, dig +tls-ca=CA.
	CA string
	// TrustAnchor is the DS of the lab root's KSK (ddx --trust-anchor,
	// Unbound's trust-anchor-file), DelvAnchors the same for delv -a.
	TrustAnchor, DelvAnchors string
	Servers                  []*Server

	signings []sim.Signing
	keys     map[string]*zoneKeys // signed zone → its keys (dnssec.go)

	byUniverse map[netip.Addr]*Server
	addrs      []netip.Addr
	procs      []*exec.Cmd
	proxies    []*proxy
	cond       atomic.Pointer[conditions]
	logf       func(string, ...any)
	lock       *os.File // held from Start to Stop: one lab per machine
}

// Check reports whether the lab can run here.
func Check() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: it must run as root (it adds addresses to lo and binds port 53)", ErrUnavailable)
	}
	var missing []string
	for _, b := range []string{"named", "dnssec-keygen", "dnssec-signzone", "nsd", "unbound", "ip"} {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s not installed (apt-get install %s)", ErrUnavailable, strings.Join(missing, ", "), strings.Join(Packages, " "))
	}
	return nil
}

// Start builds the lab from the universe in fsys/dir into workDir and
// starts everything. Stop undoes all of it, also after a failed Start.
func Start(ctx context.Context, fsys fs.FS, dir, workDir string, logf func(string, ...any)) (*Lab, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	u, err := sim.Load(fsys, dir)
	if err != nil {
		return nil, err
	}
	lock, err := acquireLock()
	if err != nil {
		return nil, err
	}
	// Holding the lock, no other lab runs: whatever a lab killed before
	// its Stop (a test binary at its timeout) left on lo goes now.
	if err := Cleanup(); err != nil {
		lock.Close()
		return nil, err
	}
	l := &Lab{Dir: workDir, byUniverse: map[netip.Addr]*Server{}, logf: logf, lock: lock, signings: u.Signings()}
	i := 0
	for _, s := range u.Servers() {
		if !s.Addr.Is4() {
			continue // the lab is IPv4 only: loopback has one IPv6 address
		}
		ls := &Server{Server: s,
			Public:  netip.AddrFrom4([4]byte{127, 53, byte(i / 200), byte(i%200 + 1)}),
			Backend: netip.AddrFrom4([4]byte{127, 54, byte(i / 200), byte(i%200 + 1)})}
		i++
		l.Servers = append(l.Servers, ls)
		l.byUniverse[s.Addr] = ls
	}
	if err := l.start(ctx); err != nil {
		l.Stop()
		return nil, err
	}
	return l, nil
}

// Public returns the lab address of a universe server address.
func (l *Lab) Public(universe string) netip.Addr {
	if s := l.byUniverse[netip.MustParseAddr(universe)]; s != nil {
		return s.Public
	}
	return netip.Addr{}
}

func (l *Lab) start(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Join(l.Dir, "zones"), 0o755); err != nil {
		return err
	}
	// Addresses first: refuse if any is already in use.
	all := []netip.Addr{UnboundAddr, BindAddr, EncryptedAddr, ValidatingAddr}
	for _, s := range l.Servers {
		all = append(all, s.Public, s.Backend)
	}
	private := l.privateAddrs()
	all = append(all, private...)
	configured, err := exec.CommandContext(ctx, "ip", "-o", "addr", "show", "dev", "lo").Output()
	if err != nil {
		return fmt.Errorf("lab: ip addr show: %w", err)
	}
	for _, a := range all {
		if slices.Contains(private, a) {
			// Not local yet, so nothing can hold its port: only refuse
			// it when it is on lo already.
			if strings.Contains(string(configured), " "+a.String()+"/") {
				return fmt.Errorf("lab: %s is already configured on lo (a lab that was not stopped?); run the lab's stop first", a)
			}
			continue
		}
		if err := portFree(a, string(configured)); err != nil {
			return err
		}
	}
	for _, a := range all {
		args := []string{"addr", "add", a.String() + "/32", "dev", "lo"}
		if slices.Contains(private, a) {
			args = append(args, "label", privateLabel)
		}
		if out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip addr add %s: %v: %s", a, err, bytes.TrimSpace(out))
		}
		l.addrs = append(l.addrs, a)
	}
	if err := l.makeKeys(ctx); err != nil {
		return err
	}
	if err := l.writeZones(ctx); err != nil {
		return err
	}
	if err := l.writeHints(); err != nil {
		return err
	}
	if err := l.writeNamed(); err != nil {
		return err
	}
	nsdServers, err := l.writeNSD()
	if err != nil {
		return err
	}
	if err := l.writeUnbound(); err != nil {
		return err
	}
	openResolvers, err := l.writeOpenUnbound()
	if err != nil {
		return err
	}
	if err := l.writeEncryptedUnbound(); err != nil {
		return err
	}
	if err := l.writeValidatingUnbound(); err != nil {
		return err
	}
	if err := l.spawn(ctx, "named", "named", "-4", "-g", "-c", filepath.Join(l.Dir, "named.conf")); err != nil {
		return err
	}
	if len(nsdServers) > 0 {
		if err := l.spawn(ctx, "nsd", "nsd", "-d", "-c", filepath.Join(l.Dir, "nsd.conf")); err != nil {
			return err
		}
	}
	if err := l.spawn(ctx, "unbound", "unbound", "-d", "-c", filepath.Join(l.Dir, "unbound.conf")); err != nil {
		return err
	}
	if err := l.spawn(ctx, "unbound-encrypted", "unbound", "-d", "-c", filepath.Join(l.Dir, "unbound-encrypted.conf")); err != nil {
		return err
	}
	if l.TrustAnchor != "" {
		if err := l.spawn(ctx, "unbound-validating", "unbound", "-d", "-c", filepath.Join(l.Dir, "unbound-validating.conf")); err != nil {
			return err
		}
	}
	if len(openResolvers) > 0 {
		if err := l.spawn(ctx, "unbound-open", "unbound", "-d", "-c", filepath.Join(l.Dir, "unbound-open.conf")); err != nil {
			return err
		}
	}
	for _, s := range l.Servers {
		if s.Faults[sim.FaultUnreachable] {
			continue // nothing listens: ICMP port unreachable
		}
		p, err := startProxy(s, &l.cond)
		if err != nil {
			return err
		}
		l.proxies = append(l.proxies, p)
	}
	// Wait until every engine answers.
	var probes []netip.Addr
	for _, s := range l.Servers {
		if s.Engine != "none" {
			probes = append(probes, s.Backend)
		}
	}
	probes = append(probes, UnboundAddr, BindAddr, EncryptedAddr)
	if l.TrustAnchor != "" {
		probes = append(probes, ValidatingAddr)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range probes {
		for !answers(a) {
			if time.Now().After(deadline) {
				return fmt.Errorf("lab: %s does not answer after 30 s; see the logs in %s", a, l.Dir)
			}
			for _, p := range l.procs {
				if p.ProcessState != nil {
					return fmt.Errorf("lab: %s exited; see %s", p.Path, l.Dir)
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// portFree refuses an address that is already on lo (a lab that was not
// stopped) or whose port 53 something else holds (e.g. a resolver bound to
// 0.0.0.0:53).
func portFree(a netip.Addr, configured string) error {
	if strings.Contains(configured, " "+a.String()+"/") {
		return fmt.Errorf("lab: %s is already configured on lo (a lab that was not stopped?); run the lab's stop first", a)
	}
	for _, network := range []string{"tcp", "udp"} {
		var c interface{ Close() error }
		var err error
		if network == "tcp" {
			c, err = net.Listen("tcp", netip.AddrPortFrom(a, 53).String())
		} else {
			c, err = net.ListenPacket("udp", netip.AddrPortFrom(a, 53).String())
		}
		if err != nil {
			return fmt.Errorf("lab: port 53 on %s is taken (%v); stop whatever runs there first", a, err)
		}
		c.Close()
	}
	return nil
}

func answers(a netip.Addr) bool {
	c := &dns.Client{Timeout: 300 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion(".", dns.TypeNS)
	_, _, err := c.Exchange(m, netip.AddrPortFrom(a, 53).String())
	return err == nil
}

func (l *Lab) spawn(ctx context.Context, name string, argv ...string) error {
	logFile, err := os.Create(filepath.Join(l.Dir, name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("lab: starting %s: %w", name, err)
	}
	l.procs = append(l.procs, cmd)
	go func() { cmd.Wait(); logFile.Close() }()
	return nil
}

// Stop ends every process and proxy and removes the addresses it added.
func (l *Lab) Stop() {
	for _, p := range l.proxies {
		p.close()
	}
	for _, c := range l.procs {
		if c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, c := range l.procs {
		for c.ProcessState == nil && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if c.ProcessState == nil && c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		}
	}
	for _, a := range l.addrs {
		exec.Command("ip", "addr", "del", a.String()+"/32", "dev", "lo").Run()
	}
	l.addrs = nil
	if l.lock != nil {
		l.lock.Close() // releases the flock
		l.lock = nil
	}
}

// LockFile is where a running lab holds its machine-wide lock: its
// addresses and ports are fixed, so a second lab (another test process,
// the bench) waits for the first one's Stop.
const LockFile = "/run/ddx-lab.lock"

func acquireLock() (*os.File, error) {
	f, err := os.OpenFile(LockFile, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lab lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lab lock %s: %w", LockFile, err)
	}
	return f, nil
}

// translate rewrites a zone's addresses to the lab's: A records of
// universe servers point at their proxies; IPv6 server addresses go. The
// universe's DNSSEC records give way to the lab's DS records (dnssec.go).
func (l *Lab) translate(z *sim.Zone) string {
	var b strings.Builder
	records := z.Records()
	for _, rr := range records {
		if isSimDNSSEC(rr) {
			continue
		}
		rr = dns.Copy(rr)
		switch v := rr.(type) {
		case *dns.A:
			if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
				v.A = l.labAddr(a).AsSlice()
			}
		case *dns.AAAA:
			if a, ok := netip.AddrFromSlice(v.AAAA); ok {
				if _, isServer := l.serverAt(a); isServer {
					continue
				}
			}
		}
		b.WriteString(rr.String())
		b.WriteString("\n")
	}
	if z.Origin == "in-addr.arpa." {
		b.WriteString(l.labPTRs())
	}
	for _, ds := range l.childDS(z.Origin, records) {
		b.WriteString(ds + "\n")
	}
	return b.String()
}

// labAddr maps any IPv4 address in the universe's zone data into loopback:
// a server's own address to its proxy, a private address (privateRanges)
// to itself, put on lo, anything else (stale glue, hosts, web servers) to
// 127.55.0.0/16, where nothing listens. No address from the zone data
// ever leaves the machine.
func (l *Lab) labAddr(a netip.Addr) netip.Addr {
	if s := l.byUniverse[a]; s != nil {
		return s.Public
	}
	if isPrivate(a) {
		return a
	}
	b := a.As4()
	return netip.AddrFrom4([4]byte{127, 55, b[2], b[3]})
}

// privateRanges are the RFC 1918 ranges. The universe's zone data uses
// them only where a name server's address is meant to be private (the
// ns-address-special scenario): the lab keeps such an address as it is,
// so that ddx and Zonemaster see a private address, and puts it on lo
// with nothing listening, so that a packet to it never leaves the
// machine and meets port unreachable, as the demo's unrouted address does.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
}

// privateLabel marks the private addresses the lab puts on lo, so that
// Cleanup finds them.
const privateLabel = "lo:ddxlab"

func isPrivate(a netip.Addr) bool {
	for _, p := range privateRanges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// privateAddrs lists the private IPv4 addresses in the zone data.
func (l *Lab) privateAddrs() []netip.Addr {
	seen := map[netip.Addr]bool{}
	var out []netip.Addr
	for _, s := range l.Servers {
		for _, z := range s.Zones {
			for _, rr := range z.Records() {
				if v, ok := rr.(*dns.A); ok {
					if a, ok := netip.AddrFromSlice(v.A.To4()); ok && isPrivate(a) && l.byUniverse[a] == nil && !seen[a] {
						seen[a] = true
						out = append(out, a)
					}
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

func (l *Lab) serverAt(a netip.Addr) (*Server, bool) {
	for _, s := range l.Servers {
		if s.Addr == a {
			return s, true
		}
	}
	// IPv6 servers are not in the lab, but their addresses are still servers'.
	return nil, a.Is6() && strings.HasPrefix(a.String(), "2001:db8:")
}

// zoneFile names the translated file of a zone as one server serves it.
func zoneFile(z *sim.Zone) string {
	return fmt.Sprintf("%s-%p.zone", strings.TrimSuffix(strings.ReplaceAll(z.Origin, "/", "_"), "."), z)
}

func (l *Lab) writeZones(ctx context.Context) error {
	done, stale := map[*sim.Zone]bool{}, map[*sim.Zone]bool{}
	for _, s := range l.Servers {
		for o, z := range s.Zones {
			stale[z] = stale[z] || s.Stale(o)
		}
	}
	for _, s := range l.Servers {
		for _, z := range s.Zones {
			if done[z] {
				continue
			}
			done[z] = true
			file := filepath.Join(l.Dir, "zones", zoneFile(z))
			if signedCopy(z) {
				if err := l.signZone(ctx, z.Origin, l.translate(z), file, stale[z]); err != nil {
					return err
				}
				continue
			}
			if err := os.WriteFile(file, []byte(l.translate(z)), 0o644); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(filepath.Join(l.Dir, "zones", "broken.zone"), []byte("this zone file does not parse\n"), 0o644)
}

func (l *Lab) writeHints() error {
	var b strings.Builder
	roots := map[string][]netip.Addr{}
	for _, s := range l.Servers {
		if z, ok := s.Zones["."]; ok {
			for _, rr := range z.Records() {
				if ns, ok := rr.(*dns.NS); ok && ns.Hdr.Name == "." && strings.EqualFold(ns.Ns, s.Name) {
					roots[s.Name] = append(roots[s.Name], s.Public)
				}
			}
		}
	}
	var names []string
	for n := range roots {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, ".\t3600000\tIN\tNS\t%s\n", n)
		for _, a := range roots[n] {
			fmt.Fprintf(&b, "%s\t3600000\tIN\tA\t%s\n", n, a)
		}
	}
	l.Hints = filepath.Join(l.Dir, "hints.root")
	return os.WriteFile(l.Hints, []byte(b.String()), 0o644)
}

// nsdZones: the servers of these zones run on NSD. NSD, unlike BIND,
// loads a zone whose in-zone NS target has no address (trailing.test, the
// missing-trailing-dot case) or is a CNAME (aliasglue.test: BIND says
// "NS 'ns2.aliasglue.test' is a CNAME (illegal)" and does not load it).
// BIND sends no RRSIG at all from a zone file whose NSEC chain is unsigned
// or missing (it takes the zone for unsigned), so the zones broken that
// way (sigless.test, unproved.test) run on NSD, which serves the file as
// it is.
var nsdZones = []string{"provider.test.", "trailing.test.", "aliasglue.test.", "sigless.test.", "unproved.test."}

// unboundServers: these recursive servers (fault=recursive) run on an
// Unbound open to loopback instead of a recursive BIND view, so that both
// kinds of open resolver a zone may list are in the lab.
var unboundServers = []string{"ns1.openres.test."}

func onUnbound(s *Server) bool {
	for _, n := range unboundServers {
		if strings.EqualFold(s.Name, n) && s.Faults[sim.FaultRecursive] {
			return true
		}
	}
	return false
}

func onNSD(s *Server) bool {
	for _, z := range nsdZones {
		if _, ok := s.Zones[z]; ok {
			return true
		}
	}
	return false
}

func (l *Lab) writeNamed() error {
	var b strings.Builder
	var listen []string
	for _, s := range l.Servers {
		if onNSD(s) {
			s.Engine = "nsd"
			continue
		}
		if onUnbound(s) {
			s.Engine = "unbound"
			continue
		}
		if s.Faults[sim.FaultUnreachable] {
			s.Engine = "none"
			continue
		}
		s.Engine = "bind"
		listen = append(listen, s.Backend.String())
	}
	listen = append(listen, BindAddr.String())
	fmt.Fprintf(&b, `options {
	directory "%s";
	pid-file "%s/named.pid";
	listen-on port 53 { %s; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	check-integrity no;
	check-names primary ignore;
	check-names response ignore;
	notify no;
	allow-query { any; };
	allow-transfer { none; };
	minimal-responses no;
	querylog no;
};
`, l.Dir, l.Dir, strings.Join(listen, "; "))
	stale := l.staleLabServer()
	for _, s := range l.Servers {
		if s.Engine != "bind" {
			continue
		}
		fmt.Fprintf(&b, "view \"%s\" {\n\tmatch-destinations { %s; };\n", s.Backend, s.Backend)
		switch {
		case s.Faults[sim.FaultRecursive]:
			fmt.Fprintf(&b, "\trecursion yes;\n\tallow-recursion { any; };\n\tzone \".\" { type hint; file \"%s\"; };\n", l.Hints)
		case s.Faults[sim.FaultServFail]:
			for _, z := range l.zonesNaming(s.Name) {
				fmt.Fprintf(&b, "\tzone \"%s\" { type primary; file \"zones/broken.zone\"; };\n", z)
			}
		default:
			var origins []string
			for o := range s.Zones {
				origins = append(origins, o)
			}
			sort.Strings(origins)
			for _, o := range origins {
				// Transfers are refused (options above) unless the
				// universe opens them (axfr=), as BIND does by default.
				xfr := ""
				if s.AXFR[o] {
					xfr = " allow-transfer { any; };"
				}
				fmt.Fprintf(&b, "\tzone \"%s\" { type primary; file \"zones/%s\";%s };\n", o, zoneFile(s.Zones[o]), xfr)
			}
		}
		b.WriteString("};\n")
	}
	// The BIND resolver never asks the lab. server that serves stale data,
	// so it says NXDOMAIN for gone.lab where Unbound says SERVFAIL.
	fmt.Fprintf(&b, "view \"resolver\" {\n\tmatch-destinations { %s; };\n\trecursion yes;\n\tallow-recursion { 127.0.0.0/8; };\n\tzone \".\" { type hint; file \"%s\"; };\n", BindAddr, l.Hints)
	if stale.IsValid() {
		fmt.Fprintf(&b, "\tserver %s { bogus yes; };\n", stale)
	}
	b.WriteString("};\n")
	return os.WriteFile(filepath.Join(l.Dir, "named.conf"), []byte(b.String()), 0o644)
}

// staleLabServer is the lab address of the lab. server serving old data.
func (l *Lab) staleLabServer() netip.Addr {
	for _, s := range l.Servers {
		if s.Name == "ns3.nic.lab." {
			return s.Public
		}
	}
	return netip.Addr{}
}

// zonesNaming lists the zones whose NS set names a server.
func (l *Lab) zonesNaming(name string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l.Servers {
		for _, z := range s.Zones {
			for _, rr := range z.Records() {
				if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Ns, name) && !seen[ns.Hdr.Name] && ns.Hdr.Name != z.Origin {
					seen[ns.Hdr.Name] = true
					out = append(out, ns.Hdr.Name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func (l *Lab) writeNSD() ([]*Server, error) {
	var servers []*Server
	zones := map[string]*sim.Zone{}
	open := map[string]bool{} // zones an NSD server transfers (axfr=)
	for _, s := range l.Servers {
		if s.Engine == "nsd" {
			servers = append(servers, s)
			for o, z := range s.Zones {
				zones[o] = z
				open[o] = open[o] || s.AXFR[o]
			}
		}
	}
	if len(servers) == 0 {
		return nil, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "server:\n\tport: 53\n\tusername: \"\"\n\tchroot: \"\"\n\tzonesdir: \"%s/zones\"\n\tpidfile: \"%s/nsd.pid\"\n\tdatabase: \"\"\n\tzonelistfile: \"%s/nsd.zonelist\"\n\txfrdfile: \"%s/nsd.xfrd\"\n\tlogfile: \"%s/nsd.log.inner\"\n\tdo-ip6: no\n\tverbosity: 1\n\tserver-count: 1\n",
		l.Dir, l.Dir, l.Dir, l.Dir, l.Dir)
	// Debian's NSD limits answers to 200 a second per /24 of clients, then
	// drops or truncates them; every lab client is in 127/8, so the lab's
	// own load (Zonemaster, parallel tests) would look like packet loss.
	b.WriteString("\trrl-ratelimit: 0\n\trrl-whitelist-ratelimit: 0\n")
	for _, s := range servers {
		fmt.Fprintf(&b, "\tip-address: %s\n", s.Backend)
	}
	b.WriteString("remote-control:\n\tcontrol-enable: no\n")
	var origins []string
	for o := range zones {
		origins = append(origins, o)
	}
	sort.Strings(origins)
	for _, o := range origins {
		fmt.Fprintf(&b, "zone:\n\tname: \"%s\"\n\tzonefile: \"%s\"\n", o, zoneFile(zones[o]))
		if open[o] {
			// NSD refuses transfers unless provide-xfr allows them.
			b.WriteString("\tprovide-xfr: 0.0.0.0/0 NOKEY\n")
		}
	}
	return servers, os.WriteFile(filepath.Join(l.Dir, "nsd.conf"), []byte(b.String()), 0o644)
}

func (l *Lab) writeUnbound() error {
	var b strings.Builder
	b.WriteString(unboundServer([]string{UnboundAddr.String()}, l.Dir, "unbound.pid", l.Hints, `	module-config: "iterator"
	cache-min-ttl: 86400
`+resolverTuning))
	// Unbound asks only the stale lab. server, like the resolver in the
	// SERVFAIL-instead-of-NXDOMAIN write-up that cached an old delegation.
	if stale := l.staleLabServer(); stale.IsValid() {
		fmt.Fprintf(&b, "stub-zone:\n\tname: \"lab.\"\n\tstub-addr: %s\n", stale)
	}
	return os.WriteFile(filepath.Join(l.Dir, "unbound.conf"), []byte(b.String()), 0o644)
}

// unboundServer is the configuration every resolving Unbound of the lab
// shares (hints, the lab's names allowed on loopback), on the interfaces
// given (an address, or address@port), with extra, its own lines, in the
// server section.
func unboundServer(interfaces []string, dir, pidfile, hints, extra string) string {
	var b strings.Builder
	b.WriteString("server:\n")
	for _, i := range interfaces {
		fmt.Fprintf(&b, "\tinterface: %s\n", i)
	}
	fmt.Fprintf(&b, `	port: 53
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "%s"
	pidfile: "%s/%s"
	use-syslog: no
	logfile: ""
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	root-hints: "%s"
	do-not-query-localhost: no
	local-zone: "test." nodefault
	local-zone: "2.0.192.in-addr.arpa." nodefault
	qname-minimisation: no
	infra-host-ttl: 60
%sremote-control:
	control-enable: no
`, dir, dir, pidfile, hints, extra)
	return b.String()
}

// resolverTuning is what the lab's resolvers (not the open one posing as
// a name server) add: no fragmented UDP, no referral-path hardening.
const resolverTuning = `	edns-buffer-size: 1232
	harden-referral-path: no
`

// writeOpenUnbound configures the second Unbound: an ordinary resolver,
// open to all of loopback, on the backend address of each server in
// unboundServers (a name server that is really an open resolver).
func (l *Lab) writeOpenUnbound() ([]*Server, error) {
	var servers []*Server
	for _, s := range l.Servers {
		if s.Engine == "unbound" {
			servers = append(servers, s)
		}
	}
	if len(servers) == 0 {
		return nil, nil
	}
	var interfaces []string
	for _, s := range servers {
		interfaces = append(interfaces, s.Backend.String())
	}
	conf := unboundServer(interfaces, l.Dir, "unbound-open.pid", l.Hints, "\tmodule-config: \"iterator\"\n")
	return servers, os.WriteFile(filepath.Join(l.Dir, "unbound-open.conf"), []byte(conf), 0o644)
}

// WorkDirPrefix starts the name of every lab's working directory, so that
// Cleanup can find what a crashed lab left.
const WorkDirPrefix = "ddx-lab-"

// Cleanup removes what any lab left behind: its daemons and its addresses
// on lo. It is what the lab's stop command runs.
func Cleanup() error {
	out, _ := exec.Command("ps", "-eo", "pid=,args=").Output()
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.Contains(line, WorkDirPrefix) {
			continue
		}
		switch filepath.Base(f[1]) {
		case "named", "nsd", "unbound":
			var pid int
			fmt.Sscan(f[0], &pid)
			if pid > 1 {
				syscall.Kill(pid, syscall.SIGTERM)
			}
		}
	}
	addrs, err := exec.Command("ip", "-o", "addr", "show", "dev", "lo").Output()
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(addrs), "\n") {
		private := strings.Contains(line, privateLabel)
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "127.53.") || strings.HasPrefix(f, "127.54.") || private && strings.HasSuffix(f, "/32") {
				exec.Command("ip", "addr", "del", f, "dev", "lo").Run()
			}
		}
	}
	return nil
}
