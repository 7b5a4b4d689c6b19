// Package ddx holds the demo universe: the zone files and server map under
// testdata/universe, embedded so that `ddx demo` needs no files or network.
package ddx

import "embed"

// Universe is testdata/universe. Load it with sim.Load(Universe, UniverseDir).
//
//go:embed testdata/universe
var Universe embed.FS

// UniverseDir is the universe's directory inside Universe.
const UniverseDir = "testdata/universe"
