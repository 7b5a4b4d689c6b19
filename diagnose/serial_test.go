package diagnose_test

import "testing"

func TestSOASerialMismatch(t *testing.T) { runFixtures(t, "soa-serial-mismatch") }
