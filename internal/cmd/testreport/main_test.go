package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReport(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"github.com/ecdkp/ecdkp/a","Test":"TestOK"}`,
		`{"Action":"pass","Package":"github.com/ecdkp/ecdkp/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"github.com/ecdkp/ecdkp/a","Test":"TestSkip","Output":"    a_test.go:12: openssl not found\n"}`,
		`{"Action":"skip","Package":"github.com/ecdkp/ecdkp/a","Test":"TestSkip"}`,
		`{"Action":"output","Package":"github.com/ecdkp/ecdkp/b","Test":"TestSkip2","Output":"    b_test.go:7: openssl not found\n"}`,
		`{"Action":"skip","Package":"github.com/ecdkp/ecdkp/b","Test":"TestSkip2"}`,
		`{"Action":"skip","Package":"github.com/ecdkp/ecdkp/b","Test":"TestSilent"}`,
		`{"Action":"output","Package":"github.com/ecdkp/ecdkp/b","Test":"TestBad","Output":"    b_test.go:9: boom\n"}`,
		`{"Action":"fail","Package":"github.com/ecdkp/ecdkp/b","Test":"TestBad"}`,
		`{"Action":"output","Package":"github.com/ecdkp/ecdkp/a","Output":"ok  \tgithub.com/ecdkp/ecdkp/a\t0.1s\n"}`,
		`{"Action":"output","Package":"github.com/ecdkp/ecdkp/b","Output":"FAIL\tgithub.com/ecdkp/ecdkp/b\t0.1s\n"}`,
		`{"Action":"fail","Package":"github.com/ecdkp/ecdkp/b"}`,
	}, "\n")
	var out strings.Builder
	failed, err := report(strings.NewReader(in), &out, &out)
	require.NoError(t, err)
	assert.True(t, failed)
	s := out.String()
	assert.Contains(t, s, "ok  \tgithub.com/ecdkp/ecdkp/a")
	assert.Contains(t, s, "--- FAIL: b.TestBad\n    b_test.go:9: boom")
	assert.Contains(t, s, "skipped: 3 tests, by reason:")
	assert.Contains(t, s, "  2  openssl not found\n       a.TestSkip, b.TestSkip2")
	assert.Contains(t, s, "  1  no reason given\n       b.TestSilent")

	failed, err = report(strings.NewReader(`{"Action":"pass","Package":"p"}`), &out, &out)
	require.NoError(t, err)
	assert.False(t, failed)

	// Go 1.24+ reports build failures as build events.
	out.Reset()
	failed, err = report(strings.NewReader(`{"ImportPath":"x","Action":"build-output","Output":"x.go:1: undefined: y
"}
{"ImportPath":"x","Action":"build-fail"}`), &out, &out)
	require.NoError(t, err)
	assert.True(t, failed)
	assert.Contains(t, out.String(), "x.go:1: undefined: y")
}
