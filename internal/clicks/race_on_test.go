//go:build race

package clicks

// raceEnabled: the race detector slows the pure-Go SQLite ~20x, so the
// longest SQL phases are trimmed under -race.
const raceEnabled = true
