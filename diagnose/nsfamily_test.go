package diagnose_test

import "testing"

func TestNSSingleFamily(t *testing.T) { runFixtures(t, "ns-single-family") }
