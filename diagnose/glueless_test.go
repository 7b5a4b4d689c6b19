package diagnose_test

import "testing"

func TestGluelessIndirection(t *testing.T) { runFixtures(t, "glueless-indirection") }
