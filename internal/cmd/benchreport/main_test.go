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

func TestScalingPairsRunsInOrder(t *testing.T) {
	const interleaved = `BenchmarkCreateParallel/raw     	 1	     12000 ns/op
BenchmarkCreateParallel/raw-2   	 1	      6000 ns/op
BenchmarkCreateParallel/raw     	 1	     18000 ns/op
BenchmarkCreateParallel/raw-2   	 1	     10000 ns/op
BenchmarkCreateParallel/raw     	 1	     11000 ns/op
BenchmarkCreateParallel/raw-2   	 1	      5000 ns/op
`
	res, _, _ := parse(strings.NewReader(interleaved))
	one, two := at(res, "BenchmarkCreateParallel/raw", 1), at(res, "BenchmarkCreateParallel/raw", 2)
	require.NotNil(t, one)
	require.NotNil(t, two)
	assert.Equal(t, []float64{12000, 18000, 11000}, one.samples)
	med, lo, hi := scaling(one, two)
	assert.InDelta(t, 2.0, med, 1e-9, "pair ratios 2.0, 1.8, 2.2")
	assert.InDelta(t, 1.8, lo, 1e-9)
	assert.InDelta(t, 2.2, hi, 1e-9)
	assert.InDelta(t, 12000.0/6000, one.ns/two.ns, 1e-9, "the medians taken apart pair 12000 with 6000")

	even := &result{samples: []float64{4, 6}}
	med, _, _ = scaling(even, &result{samples: []float64{2, 2}})
	assert.InDelta(t, 2.5, med, 1e-9, "an even count takes the mean of the middle two")
	med, _, _ = scaling(&result{}, two)
	assert.Zero(t, med)
}
