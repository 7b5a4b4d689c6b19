package lab

import (
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// relayTransfer passes a zone transfer from the backend to the client
// message by message (an exchange would carry only the first), until the
// closing SOA, an error rcode, or either side's end.
func relayTransfer(s *Server, w dns.ResponseWriter, m *dns.Msg) {
	co, err := dns.DialTimeout("tcp", netip.AddrPortFrom(s.Backend, 53).String(), 4*time.Second)
	if err != nil {
		return
	}
	defer co.Close()
	co.SetWriteDeadline(time.Now().Add(4 * time.Second))
	if err := co.WriteMsg(m); err != nil {
		return
	}
	soas := 0
	for {
		co.SetReadDeadline(time.Now().Add(4 * time.Second))
		r, err := co.ReadMsg()
		if err != nil || w.WriteMsg(r) != nil || r.Rcode != dns.RcodeSuccess {
			return
		}
		for _, rr := range r.Answer {
			if rr.Header().Rrtype == dns.TypeSOA {
				soas++
			}
		}
		if soas >= 2 || len(r.Answer) == 0 {
			return // the closing SOA, or a server that sent nothing
		}
	}
}
