package trace

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// dohMediaType is the only content type of a DNS over HTTPS reply.
const dohMediaType = "application/dns-message"

// httpClient is the resolver's one HTTP client, made on first use: its
// transport keeps the connection between queries. It connects to the
// address in Spec (found once, and shown), never looking the host up again,
// speaks HTTP/2 when the server does (RFC 8484 §5.2), and follows no
// redirect.
func (c *ResolverClient) httpClient() *http.Client {
	if c.http != nil {
		return c.http
	}
	addr := c.Spec.Addr.String()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: c.o.Timeout}
			return d.DialContext(ctx, "tcp", addr)
		},
		TLSClientConfig:        c.tlsConfig(),
		TLSHandshakeTimeout:    c.o.Timeout,
		ResponseHeaderTimeout:  c.o.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true, // a custom TLS config turns HTTP/2 off otherwise
		DisableCompression:     true,
		MaxIdleConnsPerHost:    1,
		IdleConnTimeout:        2 * time.Minute,
	}
	c.http = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c.http
}

// dohEvents records what the HTTP transport did for one query; its hooks
// may run on the transport's goroutines.
type dohEvents struct {
	mu                    sync.Mutex
	connStart, tlsStart   time.Time
	connectMs, tlsMs      float64
	connected, handshaken bool
	connErr, tlsErr       error
	tlsState              *tls.ConnectionState
	reused                bool
	wrote                 time.Time
}

func (ev *dohEvents) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		ConnectStart: func(string, string) { ev.mu.Lock(); ev.connStart = time.Now(); ev.mu.Unlock() },
		ConnectDone: func(_, _ string, err error) {
			ev.mu.Lock()
			defer ev.mu.Unlock()
			ev.connectMs, ev.connErr, ev.connected = ms(time.Since(ev.connStart)), err, err == nil
		},
		TLSHandshakeStart: func() { ev.mu.Lock(); ev.tlsStart = time.Now(); ev.mu.Unlock() },
		TLSHandshakeDone: func(st tls.ConnectionState, err error) {
			ev.mu.Lock()
			defer ev.mu.Unlock()
			ev.tlsMs, ev.tlsErr, ev.handshaken = ms(time.Since(ev.tlsStart)), err, err == nil
			if err == nil {
				ev.tlsState = &st
			}
		},
		GotConn: func(info httptrace.GotConnInfo) {
			ev.mu.Lock()
			defer ev.mu.Unlock()
			ev.reused = info.Reused
			if info.Reused {
				ev.connected, ev.handshaken = true, true
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { ev.mu.Lock(); ev.wrote = time.Now(); ev.mu.Unlock() },
	}
}

// askDoH sends m as a DNS over HTTPS request (RFC 8484): POST of the wire
// format, or GET with the base64url message in ?dns=.
func (c *ResolverClient) askDoH(ctx context.Context, m *dns.Msg, rr *ResolverReply) (*dns.Msg, time.Duration, *TransportFailure) {
	c.mu.Lock()
	defer c.mu.Unlock()
	wire, err := m.Pack()
	if err != nil {
		return nil, 0, &TransportFailure{LayerDNS, FailNotDNS, "cannot pack the query: " + err.Error()}
	}
	method := http.MethodPost
	if c.o.DoHGet {
		method = http.MethodGet
	}
	rr.HTTP = &HTTPInfo{Method: method}
	// Each layer has its own timeout (dial, handshake, response headers);
	// this bounds the whole exchange, body included.
	actx, cancel := context.WithTimeout(ctx, 3*c.o.Timeout)
	defer cancel()
	ev := &dohEvents{}
	actx = httptrace.WithClientTrace(actx, ev.trace())
	var req *http.Request
	if c.o.DoHGet {
		u := c.Spec.URL
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		req, err = http.NewRequestWithContext(actx, method, u+sep+"dns="+base64.RawURLEncoding.EncodeToString(wire), nil)
	} else {
		req, err = http.NewRequestWithContext(actx, method, c.Spec.URL, bytes.NewReader(wire))
		if req != nil {
			req.Header.Set("Content-Type", dohMediaType)
		}
	}
	if err != nil {
		return nil, 0, &TransportFailure{LayerHTTP, FailHTTP, "cannot make the request: " + err.Error()}
	}
	req.Header.Set("Accept", dohMediaType)
	req.Header.Set("User-Agent", "ddx")
	start := time.Now()
	resp, err := c.httpClient().Do(req)

	ev.mu.Lock()
	rr.ConnectMs, rr.TLSms, rr.Reused = ev.connectMs, ev.tlsMs, ev.reused
	if !ev.wrote.IsZero() {
		start = ev.wrote
	}
	connected, handshaken, connErr, tlsErr, state := ev.connected, ev.handshaken, ev.connErr, ev.tlsErr, ev.tlsState
	ev.mu.Unlock()
	if state != nil {
		rr.TLS = c.tlsInfo(*state)
	}
	if err != nil {
		rtt := time.Since(start)
		switch {
		case connErr != nil:
			return nil, 0, connectFailure(connErr, c.o.Timeout, c.Spec.Addr.Port())
		case !connected:
			return nil, 0, connectFailure(err, c.o.Timeout, c.Spec.Addr.Port())
		case tlsErr != nil || !handshaken:
			if tlsErr == nil {
				tlsErr = err
			}
			rr.TLS = &TLSInfo{ServerName: c.Spec.serverName()}
			return nil, 0, tlsFailure(tlsErr, rr.TLS, c.o.Timeout)
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			return nil, rtt, &TransportFailure{LayerHTTP, FailNoReply, fmt.Sprintf("the TLS session was set up, but no HTTP response came over it within %s: the port may not speak HTTP (a DNS over TLS port?)", c.o.Timeout)}
		}
		return nil, rtt, &TransportFailure{LayerHTTP, FailHTTP, "the HTTP exchange failed: " + trimURLError(err)}
	}
	defer resp.Body.Close()
	if resp.TLS != nil && rr.TLS == nil {
		rr.TLS = c.tlsInfo(*resp.TLS)
	}
	ct := resp.Header.Get("Content-Type")
	rr.HTTP.Proto, rr.HTTP.Status, rr.HTTP.ContentType = resp.Proto, resp.StatusCode, sanitize(ct)
	rr.HTTP.StatusText = sanitize(strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))))
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDoHBody+1))
	rtt := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		detail := fmt.Sprintf("HTTP status %d %s, not 200", resp.StatusCode, rr.HTTP.StatusText)
		switch {
		case resp.StatusCode/100 == 3:
			rr.HTTP.Location = sanitize(resp.Header.Get("Location"))
			detail += ": a redirect to " + rr.HTTP.Location + " (DoH clients follow none; give that URL)"
		case resp.StatusCode == http.StatusNotFound:
			detail += ": no DoH endpoint at this path"
		case resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusBadRequest:
			detail += fmt.Sprintf(": the endpoint does not take this %s request", method)
		}
		return nil, rtt, &TransportFailure{LayerHTTP, FailHTTPStatus, detail}
	}
	if mt, _, _ := mime.ParseMediaType(ct); !strings.EqualFold(mt, dohMediaType) {
		shown := rr.HTTP.ContentType
		if shown == "" {
			shown = "no content type"
		}
		return nil, rtt, &TransportFailure{LayerHTTP, FailContentType, fmt.Sprintf("the reply is %s, not %s: the URL answers, but not with DNS", shown, dohMediaType)}
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return nil, rtt, &TransportFailure{LayerHTTP, FailNoReply, fmt.Sprintf("the reply's body did not arrive within %s", 3*c.o.Timeout)}
		}
		return nil, rtt, &TransportFailure{LayerHTTP, FailHTTP, "reading the reply failed: " + trimURLError(err)}
	}
	if len(body) > maxDoHBody {
		return nil, rtt, &TransportFailure{LayerDNS, FailTooLarge, fmt.Sprintf("the reply's body is larger than %d octets, the largest DNS message: not a DNS message", maxDoHBody)}
	}
	r := new(dns.Msg)
	if err := r.Unpack(body); err != nil {
		return nil, rtt, &TransportFailure{LayerDNS, FailNotDNS, fmt.Sprintf("the reply is labelled %s but is not a DNS message (%d octets): %v", dohMediaType, len(body), err)}
	}
	return r, rtt, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// trimURLError drops net/http's "Post \"URL\": " prefix: the URL is shown
// beside the error already.
func trimURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
