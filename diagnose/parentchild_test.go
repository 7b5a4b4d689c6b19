package diagnose_test

import "testing"

func TestNSParentChildMismatch(t *testing.T) { runFixtures(t, "ns-parent-child-mismatch") }
func TestNSSetInconsistent(t *testing.T)     { runFixtures(t, "ns-set-inconsistent") }
