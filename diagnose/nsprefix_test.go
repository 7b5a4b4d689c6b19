package diagnose_test

import "testing"

func TestNSSamePrefix(t *testing.T) { runFixtures(t, "ns-same-prefix") }
