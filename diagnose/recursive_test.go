package diagnose_test

import "testing"

func TestRecursiveNameserver(t *testing.T) { runFixtures(t, "recursive-nameserver") }
