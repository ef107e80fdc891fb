//go:build race

package ui

// raceEnabled: timing tests mean nothing under the race detector.
const raceEnabled = true
