package diagnose_test

import "testing"

func TestMXInvalid(t *testing.T) { runFixtures(t, "mx-invalid") }
