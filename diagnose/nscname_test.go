package diagnose_test

import "testing"

func TestNSIsCNAME(t *testing.T) { runFixtures(t, "ns-is-cname") }
