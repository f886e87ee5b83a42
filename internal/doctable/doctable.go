// Package doctable reads the tables of a package doc, for the tests that
// keep a documented table and the code's table equal (one fact, checked in
// two places): the rows of a doc.go that match a pattern.
package doctable

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecdkp/ecdkp/provider"
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

// CheckFailureTable holds a dialect's failure table in file (rows of
// FailureRow(code)) to the dialect's codes, row for row, and checks every
// provider failure has a code; mk makes the dialect's code of a row's
// status and code.
func CheckFailureTable[C comparable](t *testing.T, file, code string, codes map[provider.Failure]C, mk func(status int, code string) C) {
	t.Helper()
	byName := map[string]provider.Failure{}
	for _, f := range provider.Failures() {
		byName[f.String()] = f
	}
	documented := map[provider.Failure]C{}
	for _, m := range Rows(t, file, FailureRow(code)) {
		f, ok := byName[m[1]]
		if !ok {
			t.Fatalf("doctable: documented failure %q is not a provider failure", m[1])
		}
		if _, dup := documented[f]; dup {
			t.Fatalf("doctable: failure %q documented twice", m[1])
		}
		status, _ := strconv.Atoi(m[2])
		documented[f] = mk(status, m[3])
	}
	for f, c := range codes {
		if d, ok := documented[f]; !ok || d != c {
			t.Errorf("doctable: %s's table says %v for failure %q, the code %v", file, d, f, c)
		}
	}
	for f := range documented {
		if _, ok := codes[f]; !ok {
			t.Errorf("doctable: %s documents failure %q, which has no code", file, f)
		}
	}
	for _, f := range provider.Failures() {
		if _, ok := codes[f]; !ok {
			t.Errorf("doctable: failure %q has no code", f)
		}
	}
}
