package diagnose_test

import "testing"

func TestQueryTypeFailure(t *testing.T) { runFixtures(t, "query-type-failure") }
