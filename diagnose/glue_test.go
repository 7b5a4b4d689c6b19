package diagnose_test

import "testing"

func TestMissingGlue(t *testing.T)     { runFixtures(t, "missing-glue") }
func TestGlueMismatch(t *testing.T)    { runFixtures(t, "glue-mismatch") }
func TestUnnecessaryGlue(t *testing.T) { runFixtures(t, "unnecessary-glue") }
