//go:build race

// Package race tells tests whether the race detector is on, so tests whose
// measure it distorts (allocation counts, scans of process memory) can skip.
package race

// Enabled is true when built with -race.
const Enabled = true
