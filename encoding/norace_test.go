//go:build !race

package encoding_test

const raceEnabled = false
