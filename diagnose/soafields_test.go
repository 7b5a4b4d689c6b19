package diagnose_test

import "testing"

func TestSOAFieldsMismatch(t *testing.T) { runFixtures(t, "soa-fields-mismatch") }

func TestSOARNAMEInvalid(t *testing.T) { runFixtures(t, "soa-rname-invalid") }
