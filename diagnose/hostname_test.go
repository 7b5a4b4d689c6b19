package diagnose_test

import "testing"

func TestHostnameSyntax(t *testing.T) { runFixtures(t, "hostname-syntax") }
