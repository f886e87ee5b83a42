// Command genvectors writes the conformance vector files. Run it through
// go generate in package conformance, which runs it in the conformance
// directory:
//
//	go generate ./conformance
//
// It writes keys.json, envelopes.json, decode_negatives.json,
// request_negatives.json, aws_request_negatives.json, envelopes_v2.json and
// envelope_v2_negatives.json under -dir (default testdata).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
)

func main() {
	dir := flag.String("dir", "testdata", "directory to write the vector files to")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "genvectors:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	files, err := vectors.Generate()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%d bytes)\n", filepath.Join(dir, name), len(files[name]))
	}
	return nil
}
