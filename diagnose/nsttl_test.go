package diagnose_test

import "testing"

func TestNSTTLZero(t *testing.T) { runFixtures(t, "ns-ttl-zero") }
