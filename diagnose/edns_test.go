package diagnose_test

import "testing"

func TestEDNSNoncompliance(t *testing.T) { runFixtures(t, "edns-noncompliance") }
