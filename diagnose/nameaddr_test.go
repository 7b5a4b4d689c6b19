package diagnose_test

import "testing"

func TestNameLooksLikeAddress(t *testing.T) { runFixtures(t, "name-looks-like-address") }
