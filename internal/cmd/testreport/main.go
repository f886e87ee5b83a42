// Command testreport reads the JSON stream of `go test -json` on stdin and
// prints what a reader of a CI log needs: one line per package (as go test
// prints it), the whole output of every failed test, and at the end every
// skipped test grouped by the reason it gave, so no skip is silent. It
// exits 1 when a test or a package failed.
//
//	go test -json ./... | go run ./internal/cmd/testreport
//	cat *.json | go run ./internal/cmd/testreport -skips   (the skip summary only)
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// event is one line of test2json.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	skipsOnly := flag.Bool("skips", false, "print only the summary of skipped tests")
	flag.Parse()
	w := io.Writer(os.Stdout)
	if *skipsOnly {
		w = io.Discard
	}
	failed, err := report(os.Stdin, w, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// fileLine is the "file.go:123: " prefix t.Skip and t.Log put on a line.
var fileLine = regexp.MustCompile(`^\s*[\w./-]+\.go:\d+: `)

// report reads events from r, writes package lines and failures to w and
// the skip summary to sw; it says whether anything failed.
func report(r io.Reader, w, sw io.Writer) (bool, error) {
	output := map[string][]string{} // package/test -> output lines
	skips := map[string][]string{}  // reason -> package.test names
	failed := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Not JSON: a build failure or a vet message; pass it on.
			fmt.Fprintln(w, string(line))
			if strings.HasPrefix(string(line), "FAIL") {
				failed = true
			}
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
			continue
		case "build-fail":
			failed = true
			continue
		case "output":
			if e.Test == "" {
				// Package lines: ok, FAIL, "?" and build errors.
				if o := strings.TrimRight(e.Output, "\n"); strings.HasPrefix(o, "ok ") || strings.HasPrefix(o, "FAIL") || strings.HasPrefix(o, "?") || strings.HasPrefix(o, "---") || strings.Contains(o, "[build failed]") || strings.Contains(o, "setup failed") {
					fmt.Fprintln(w, o)
				} else if !strings.HasPrefix(o, "PASS") && !strings.HasPrefix(o, "=== ") && o != "" && !strings.HasPrefix(o, "coverage:") {
					output[key] = append(output[key], o)
				}
				continue
			}
			output[key] = append(output[key], strings.TrimRight(e.Output, "\n"))
		case "fail":
			failed = true
			if e.Test != "" {
				fmt.Fprintf(w, "--- FAIL: %s.%s\n", shortPkg(e.Package), e.Test)
				for _, o := range output[key] {
					fmt.Fprintln(w, o)
				}
			} else {
				for _, o := range output[key] {
					fmt.Fprintln(w, o)
				}
			}
			delete(output, key)
		case "skip":
			if e.Test == "" {
				delete(output, key)
				continue
			}
			reason := "no reason given"
			for _, o := range output[key] {
				if fileLine.MatchString(o) {
					reason = strings.TrimSpace(fileLine.ReplaceAllString(o, ""))
				}
			}
			skips[reason] = append(skips[reason], shortPkg(e.Package)+"."+e.Test)
			delete(output, key)
		case "pass":
			delete(output, key)
		}
	}
	if err := sc.Err(); err != nil {
		return failed, err
	}
	n := 0
	for _, names := range skips {
		n += len(names)
	}
	if n == 0 {
		fmt.Fprintln(sw, "skipped: none")
		return failed, nil
	}
	fmt.Fprintf(sw, "skipped: %d tests, by reason:\n", n)
	reasons := make([]string, 0, len(skips))
	for r := range skips {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int { return len(skips[b]) - len(skips[a]) })
	for _, r := range reasons {
		names := skips[r]
		slices.Sort(names)
		shown := names
		if len(shown) > 4 {
			shown = append(slices.Clone(names[:4]), fmt.Sprintf("and %d more", len(names)-4))
		}
		fmt.Fprintf(sw, "  %d  %s\n       %s\n", len(names), r, strings.Join(shown, ", "))
	}
	return failed, nil
}

// shortPkg drops the module path.
func shortPkg(p string) string { return strings.TrimPrefix(p, "github.com/ecdkp/ecdkp/") }
