package diagnose_test

import "testing"

func TestCaseNotPreserved(t *testing.T) { runFixtures(t, "case-not-preserved") }
