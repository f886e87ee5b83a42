// Package quote shortens text a caller sent before an error message echoes
// it, so a message stays readable and bounded whatever the input.
package quote

import "fmt"

// Clip returns s cut to max bytes, with "..." appended when it was longer.
func Clip(s string, max int) string {
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// Quote returns s in Go quotes (%q), cut to max bytes first, with "..."
// after the closing quote when it was longer.
func Quote(s string, max int) string {
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
