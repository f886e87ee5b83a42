//go:build !linux

package main

import (
	"context"
	"io"
)

// readHidden does not prompt on this system: passphrases come from the
// environment.
func readHidden(context.Context, io.Writer, string) (string, error) {
	return "", errNoTerminal
}
