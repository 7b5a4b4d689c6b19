package diagnose_test

import "testing"

func TestNSAddressSpecial(t *testing.T) { runFixtures(t, "ns-address-special") }
