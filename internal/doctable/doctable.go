// Package doctable reads the tables of a package doc, for the tests that
// keep a documented table and the code's table equal (one fact, checked in
// two places): the rows of a doc.go that match a pattern.
package doctable

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Rows returns the submatches of every line of file that matches row.
func Rows(t testing.TB, file string, row *regexp.Regexp) [][]string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("doctable: %v", err)
	}
	var out [][]string
	for line := range strings.SplitSeq(string(src), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		t.Fatalf("doctable: no row of %s matches %s", file, row)
	}
	return out
}

// FailureRow matches a row "//\t<failure name>  <status>  <code>" of a
// dialect's failure table, the code matching code.
func FailureRow(code string) *regexp.Regexp {
	return regexp.MustCompile(`^//\t(\S.*?)\s{2,}(\d{3})\s+(` + code + `)$`)
}
