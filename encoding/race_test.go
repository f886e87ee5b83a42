//go:build race

package encoding_test

const raceEnabled = true
