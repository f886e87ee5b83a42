package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkCreateEcDatakeyPair/SM2/raw-2         	    3000	     10000 ns/op	     656 B/op	       9 allocs/op
BenchmarkCreateEcDatakeyPair/SM2/raw-2         	    3000	     12000 ns/op	     656 B/op	       9 allocs/op
BenchmarkCreateEcDatakeyPair/SM2/raw-2         	    3000	     11000 ns/op	     656 B/op	       9 allocs/op
BenchmarkCreateEcDatakeyPair/SM2/create-2      	    3000	     13000 ns/op	    1573 B/op	      12 allocs/op
BenchmarkCreateParallel/create     	   88755	     12000 ns/op	    1664 B/op	      13 allocs/op
BenchmarkCreateParallel/create-2   	  155650	      6000 ns/op	    1664 B/op	      13 allocs/op
PASS
`

func TestParseMediansAndProcs(t *testing.T) {
	res, order, raw := parse(strings.NewReader(sample))
	assert.Equal(t, sample, raw)
	assert.Equal(t, []string{"BenchmarkCreateEcDatakeyPair/SM2/raw@2", "BenchmarkCreateEcDatakeyPair/SM2/create@2", "BenchmarkCreateParallel/create@1", "BenchmarkCreateParallel/create@2"}, order)
	r := find(res, "BenchmarkCreateEcDatakeyPair/SM2/raw")
	require.NotNil(t, r)
	assert.Equal(t, 11000.0, r.ns, "median of three runs")
	assert.Equal(t, 3, r.runs)
	assert.Equal(t, 9.0, r.allocs)
	require.NotNil(t, at(res, "BenchmarkCreateParallel/create", 1), "a run without -N suffix is GOMAXPROCS=1")
	assert.Equal(t, 6000.0, at(res, "BenchmarkCreateParallel/create", 2).ns)
	assert.Equal(t, 6000.0, find(res, "BenchmarkCreateParallel/create").ns, "find prefers the highest GOMAXPROCS")
}
