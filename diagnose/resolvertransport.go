package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

var ruleResolverTransportFailure = &Rule{
	ID: "resolver-transport-failure", Severity: Error,
	Title: "a resolver cannot be used over the transport asked",
	Doc: "The resolver could not be asked over DNS over TLS (RFC 7858) or DNS over HTTPS (RFC 8484): the TCP connection " +
		"was refused or dropped, the TLS handshake or the certificate failed (name mismatch, expired, unknown authority), " +
		"the HTTP status was not 200 or the content type not application/dns-message, or the reply was not a DNS message. " +
		"ddx checks each layer in turn (TCP, TLS, HTTP, DNS) and names the one that failed. Clients set up for this " +
		"resolver (browsers, Android Private DNS, systemd-resolved with DNSOverTLS=yes) fail the same way, or fall back " +
		"to unencrypted DNS and so to another resolver, which is how \"it works in the shell but not in the browser\" starts.",
	Fix: "Fix the layer named: open the port, renew or reissue the certificate for the name clients use, give a private " +
		"CA with --tls-ca, or correct the DoH URL's path.",
	Refs: []string{"RFC 7858 §3", "RFC 8310 §8", "RFC 8484 §4", "RFC 8484 §6", "RFC 5280 §6"},
}

// transportFailures reports every resolver that could not be asked over
// its transport.
func transportFailures(c *Comparison) []Finding {
	var out []Finding
	for _, r := range c.Resolvers {
		f := r.Failure
		if f == nil {
			continue
		}
		over := transportName(r.Transport)
		var b strings.Builder
		fmt.Fprintf(&b, "ddx asked %s over %s", r.Address, over)
		if r.Connect != "" && !strings.Contains(r.Address, r.Connect) {
			fmt.Fprintf(&b, " (connecting to %s)", r.Connect)
		}
		b.WriteString(". ")
		// What worked, layer by layer, before what failed.
		if f.Layer != trace.LayerConnect && r.ConnectMs > 0 {
			fmt.Fprintf(&b, "The TCP connection was made in %.1f ms. ", r.ConnectMs)
		}
		if (f.Layer == trace.LayerHTTP || f.Layer == trace.LayerDNS) && r.TLS != nil && r.TLS.Version != "" {
			fmt.Fprintf(&b, "The %s handshake succeeded (certificate %s). ", r.TLS.Version, r.TLS.Subject)
		}
		if f.Layer == trace.LayerDNS && r.HTTP != nil && r.HTTP.Status == 200 {
			fmt.Fprintf(&b, "The server answered HTTP %d with %s. ", r.HTTP.Status, r.HTTP.ContentType)
		}
		fmt.Fprintf(&b, "The %s failed: %s. ", layerName(f.Layer), strings.TrimSuffix(f.Detail, "."))
		b.WriteString("No DNS question was answered, so this says nothing about the names it resolves: clients set up for this resolver fail the same way, or fall back to another resolver.")
		out = append(out, ruleResolverTransportFailure.stamp(Error, Finding{
			Zone: c.Query.Name, Servers: []string{r.Address},
			Summary:     fmt.Sprintf("%s cannot be used over %s: %s", r.Address, over, kindWords(f)),
			Explanation: b.String(),
			Fix:         transportFix(r, f),
			Refs:        transportRefs(r),
		}))
	}
	return out
}

func transportRefs(r *trace.ResolverReply) []string {
	if r.Transport == string(trace.TransportHTTPS) {
		return []string{"RFC 8484 §4", "RFC 8484 §6", "RFC 5280 §6", "RFC 6125 §6"}
	}
	return []string{"RFC 7858 §3", "RFC 8310 §8", "RFC 5280 §6"}
}

func transportName(t string) string {
	switch t {
	case string(trace.TransportTLS):
		return "DNS over TLS"
	case string(trace.TransportHTTPS):
		return "DNS over HTTPS"
	}
	return t
}

func layerName(l trace.FailureLayer) string {
	switch l {
	case trace.LayerConnect:
		return "TCP connection"
	case trace.LayerTLS:
		return "TLS layer"
	case trace.LayerHTTP:
		return "HTTP exchange"
	}
	return "DNS exchange"
}

func kindWords(f *trace.TransportFailure) string {
	switch f.Kind {
	case trace.FailRefused:
		return "connection refused"
	case trace.FailUnreachable:
		return "address unreachable"
	case trace.FailConnectSilent:
		return "the port does not answer (filtered)"
	case trace.FailHandshake:
		return "TLS handshake failed"
	case trace.FailNameMismatch:
		return "certificate name mismatch"
	case trace.FailExpired:
		return "certificate expired"
	case trace.FailNotYetValid:
		return "certificate not yet valid"
	case trace.FailUnknownAuthority:
		return "certificate from an unknown authority"
	case trace.FailCertificate:
		return "certificate rejected"
	case trace.FailHTTPStatus:
		return "HTTP status is not 200"
	case trace.FailContentType:
		return "the reply is not application/dns-message"
	case trace.FailTooLarge, trace.FailNotDNS:
		return "the reply is not a DNS message"
	case trace.FailWrongReply:
		return "the reply does not answer the query"
	case trace.FailClosed:
		return "the server closed the connection without a reply"
	case trace.FailNoReply:
		return "no DNS reply over the session"
	}
	return "the " + layerName(f.Layer) + " failed"
}

func transportFix(r *trace.ResolverReply, f *trace.TransportFailure) string {
	port := "853"
	if r.Transport == string(trace.TransportHTTPS) {
		port = "443"
	}
	if i := strings.LastIndex(r.Connect, ":"); i >= 0 {
		port = r.Connect[i+1:]
	}
	switch f.Kind {
	case trace.FailRefused:
		return fmt.Sprintf("Check that the resolver listens on TCP port %s for %s (Unbound: interface: ADDR@%s with tls-service-key; BIND: listen-on port %s tls) and that no firewall rejects the port.", port, transportName(r.Transport), port, port)
	case trace.FailUnreachable:
		return "Check the route to the resolver's address from this machine."
	case trace.FailConnectSilent:
		return fmt.Sprintf("Something on the path drops TCP port %s (networks that block encrypted DNS often do): ask from another network, or open the port.", port)
	case trace.FailHandshake:
		return "Check that the port speaks TLS (not plain DNS) and the server's TLS settings: its key and certificate, and TLS 1.2 or later."
	case trace.FailNameMismatch:
		return "Ask the resolver by a name its certificate carries (@tls://NAME or https://NAME/...), or reissue the certificate with this name or IP address in its subjectAltName (RFC 8310 §8)."
	case trace.FailExpired:
		return "Renew the resolver's certificate and reload the server (automate it: certbot or the ACME client's renewal hook)."
	case trace.FailNotYetValid:
		return "Check the clock of this machine, and the validity dates of the certificate."
	case trace.FailUnknownAuthority:
		return "For a resolver with a private CA, give that CA with --tls-ca FILE; otherwise install a certificate from a public CA. --tls-insecure skips the check for a test only."
	case trace.FailCertificate:
		return "Reissue the certificate for server authentication, signed by a CA the clients trust."
	case trace.FailHTTPStatus:
		if r.HTTP != nil && (r.HTTP.Status == 405 || r.HTTP.Status == 400 || r.HTTP.Status == 415) {
			return "The endpoint refused the request's method or format: try the other one (--doh-get sends GET with ?dns=), and check the server's DoH settings."
		}
		return "Check the URL: the DoH path is commonly /dns-query; check that the server's DoH endpoint is enabled (Unbound: https-port and http-endpoint)."
	case trace.FailContentType:
		return "The URL serves something else than DoH (a web page, a captive portal, a proxy's error page): check the path and what answers there."
	case trace.FailNoReply, trace.FailClosed:
		return "The server accepts connections but does not answer DNS over them: check its logs and its upstream."
	}
	return "The endpoint does not speak " + transportName(r.Transport) + " correctly: check what software answers there."
}
