package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// runVersion prints the module version, the VCS revision it was built
// from, and the Go toolchain, from the binary's build information.
func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	printVersion(e.stdout)
	return nil
}

func printVersion(w io.Writer) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(w, "ecdkp (no build information)")
		return
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	rev, when, dirty := "unknown", "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	fmt.Fprintf(w, "ecdkp %s\nrevision %s%s%s\n%s\n", version, rev, when, dirty, bi.GoVersion)
}
