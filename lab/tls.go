package lab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The encrypted resolver: a third Unbound that serves plain DNS on port 53,
// DNS over TLS on DoTPort and DNS over HTTPS on DoHPort at DoHPath, with a
// certificate from the CA the lab makes at start, and filters the names in
// FilteredZones with a 0.0.0.0 sinkhole (always_null, no Extended DNS
// Error) the way an ad-blocking resolver does.
var (
	EncryptedAddr = netip.MustParseAddr("127.53.250.3")
	DoTPort       = uint16(853)
	DoHPort       = uint16(443)
	DoHPath       = "/dns-query"
	// FilteredZones: blocked.test does not exist in the universe (NXDOMAIN
	// from test.); mail.healthy.test does (192.0.2.25 in the universe).
	FilteredZones = []string{"blocked.test.", "mail.healthy.test."}
)

// DoTURL and DoHURL name the encrypted resolver as ddx's compare takes it.
func DoTURL() string {
	return fmt.Sprintf("tls://%s", netip.AddrPortFrom(EncryptedAddr, DoTPort))
}

// DoHURL is the encrypted resolver's DNS over HTTPS endpoint.
func DoHURL() string {
	return fmt.Sprintf("https://%s%s", netip.AddrPortFrom(EncryptedAddr, DoHPort), DoHPath)
}

// WriteCA makes a certificate authority and, signed by it, a certificate
// for the given IP addresses (as IP SANs), valid for a day. It writes
// ca.pem (the CA certificate, what a client trusts), server.pem (the
// server's certificate, then the CA's) and server.key (PKCS #8) into dir
// and returns the CA's path.
func WriteCA(dir, name string, ips ...netip.Addr) (caPath string, err error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"ddx lab"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	var sans []string
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, a := range ips {
		leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, a.AsSlice())
		sans = append(sans, a.String())
	}
	leafTmpl.Subject = pkix.Name{CommonName: strings.Join(sans, " "), Organization: []string{"ddx lab"}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), caPEM...)
	caPath = filepath.Join(dir, "ca.pem")
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{caPath, caPEM, 0o644},
		{filepath.Join(dir, "server.pem"), chain, 0o644},
		{filepath.Join(dir, "server.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return "", err
		}
	}
	return caPath, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// writeEncryptedUnbound configures the third Unbound: plain, DoT and DoH
// on EncryptedAddr, with the lab CA's certificate, filtering FilteredZones.
func (l *Lab) writeEncryptedUnbound() error {
	tlsDir := filepath.Join(l.Dir, "tls")
	if err := os.MkdirAll(tlsDir, 0o755); err != nil {
		return err
	}
	ca, err := WriteCA(tlsDir, "ddx lab CA", EncryptedAddr)
	if err != nil {
		return fmt.Errorf("lab: making the lab CA: %w", err)
	}
	l.CA = ca
	extra := fmt.Sprintf(`	tls-port: %d
	https-port: %d
	tls-service-key: "%[3]s/server.key"
	tls-service-pem: "%[3]s/server.pem"
	http-endpoint: "%s"
	module-config: "iterator"
`, DoTPort, DoHPort, tlsDir, DoHPath) + resolverTuning
	for _, z := range FilteredZones {
		extra += fmt.Sprintf("\tlocal-zone: \"%s\" always_null\n", z)
	}
	a := EncryptedAddr.String()
	conf := unboundServer([]string{a, fmt.Sprintf("%s@%d", a, DoTPort), fmt.Sprintf("%s@%d", a, DoHPort)}, l.Dir, "unbound-encrypted.pid", l.Hints, extra)
	return os.WriteFile(filepath.Join(l.Dir, "unbound-encrypted.conf"), []byte(conf), 0o644)
}
