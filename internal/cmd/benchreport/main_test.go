package main

import (
	"fmt"
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

const paired = `BenchmarkCreateEcDatakeyPair/SM2/create-2      	   97326	     12847 ns/op	    1344 B/op	      11 allocs/op
BenchmarkCreateEcDatakeyPair/SM2/paired-2      	   48010	     24619 ns/op	      1437 added-ns/op	     12995 create-ns/op	         1.124 ratio	     11558 raw-ns/op
BenchmarkCreateEcDatakeyPair/SM2/paired-2      	   48010	     25619 ns/op	      1800 added-ns/op	     14000 create-ns/op	         1.300 ratio	     12200 raw-ns/op
BenchmarkCreateEcDatakeyPair/SM2/paired-2      	   48010	     23619 ns/op	      1300 added-ns/op	     12000 create-ns/op	         1.100 ratio	     10700 raw-ns/op
BenchmarkHandler/SM2/handler-2                 	   57346	     21326 ns/op	    5538 B/op	      37 allocs/op
BenchmarkHandler/SM2/paired-2                  	   35156	     34007 ns/op	     16742 added-ns/op	    29824 handler-ns/op	     13082 inproc-ns/op	         2.280 ratio
`

func TestParseCustomMetrics(t *testing.T) {
	res, _, _ := parse(strings.NewReader(paired))
	r := find(res, "BenchmarkCreateEcDatakeyPair/SM2/paired")
	require.NotNil(t, r)
	assert.Equal(t, 24619.0, r.ns)
	assert.Equal(t, map[string]float64{"ns/op": 24619, "added-ns/op": 1437, "create-ns/op": 12995, "ratio": 1.124, "raw-ns/op": 11558}, r.metrics, "each metric's median over the runs")
	assert.Zero(t, r.allocs, "no -benchmem columns")
}

func TestRenderUsesPairedMetrics(t *testing.T) {
	var out strings.Builder
	render(&out, strings.NewReader(paired), "test machine", nil, nil)
	md := out.String()
	assert.Contains(t, md, "Machine: test machine")
	assert.Contains(t, md, "| SM2 | 11.6 µs | 13.0 µs | 1.12x | 11 | 1344 | within |")
	assert.Contains(t, md, "| SM2 | 13.1 µs | 29.8 µs | 16.7 µs | 37 | **over** |", "the handler's added time is over 15 µs")
	assert.NotContains(t, md, "local-kms", "no peer report, no server sections")
	assert.Contains(t, md, paired, "the raw output is kept")
	assert.NotContains(t, md, "## Scaling", "no parallel runs, no scaling section")
}

func TestRenderEnvelopes(t *testing.T) {
	const wrapRun = `BenchmarkRawGenerateKey/ECC_NIST_P256-2 	  100	     12000 ns/op	     736 B/op	      10 allocs/op
BenchmarkRawGenerateKey/SM2-2           	  100	     11000 ns/op	     656 B/op	       9 allocs/op
BenchmarkMasterKeyWrap/AES-256-GCM-2    	  100	       600 ns/op	     240 B/op	       1 allocs/op
BenchmarkCustomKeyWrap/SM2_ENVELOPED_KEY/SM2-2 	  100	  110000 ns/op	  9000 B/op	     100 allocs/op
BenchmarkCustomKeyWrap/broken-2         	  100	     1 ns/op
BenchmarkRecipientWrapP256-2            	  100	     36000 ns/op	  5000 B/op	      40 allocs/op
`
	var out strings.Builder
	render(&out, strings.NewReader(wrapRun), "", nil, nil)
	md := out.String()
	assert.Contains(t, md, "| master key AES-256-GCM | ECC_NIST_P256 | 600 | 0.05x | 1 |")
	assert.Contains(t, md, "| SM2_ENVELOPED_KEY | SM2 | 110000 | 10.00x | 100 |", "the SM2 envelope is compared with SM2 key generation")
	assert.Contains(t, md, "| recipient (CMS, RSAES-OAEP-SHA-256) | ECC_NIST_P256 | 36000 | 3.00x | 40 |")
	assert.NotContains(t, md, "| broken", "a name without a data key spec is left out")
	assert.NotContains(t, md, "## HTTP handler", "no handler runs, no handler section")
}

func TestRenderEnvelopeVersions(t *testing.T) {
	const wrapRun = `BenchmarkMasterKeyV1V2/AES-256-GCM/v1-2     	  100	       300 ns/op	       0 B/op	       0 allocs/op
BenchmarkMasterKeyV1V2/AES-256-GCM/v2-2     	  100	      1000 ns/op	    1280 B/op	       2 allocs/op
BenchmarkMasterKeyV1V2/AES-256-GCM/paired-2 	  100	      1300 ns/op	       700.0 added-ns/op	         3.333 ratio	       300.0 v1-ns/op	      1000 v2-ns/op	    1280 B/op	       2 allocs/op
BenchmarkMasterKeyV1V2/SM4-GCM/v1-2         	  100	      1100 ns/op	       0 B/op	       0 allocs/op
BenchmarkMasterKeyV1V2/SM4-GCM/v2-2         	  100	      2400 ns/op	     864 B/op	       2 allocs/op
BenchmarkMasterKeyV1V2/SM4-GCM/paired-2     	  100	      3500 ns/op	      1300 added-ns/op	         2.182 ratio	      1100 v1-ns/op	      2400 v2-ns/op	     864 B/op	       2 allocs/op
`
	var out strings.Builder
	render(&out, strings.NewReader(wrapRun), "", nil, nil)
	md := out.String()
	assert.Contains(t, md, "## Master-key envelope v2 vs v1")
	assert.Contains(t, md, "| AES-256-GCM | 300 ns | 1000 ns | 700 ns | 0 / 2 | within |")
	assert.Contains(t, md, "| SM4-GCM | 1100 ns | 2400 ns | 1300 ns | 0 / 2 | **over** |")

	out.Reset()
	render(&out, strings.NewReader(paired), "", nil, nil)
	assert.NotContains(t, out.String(), "## Master-key envelope v2 vs v1", "no wrap runs, no section")
}

// TestEtcdStoreSection: the etcd store's rows come from its paired CPU
// benchmark, with the verdict against the 1.1x budget, and the sequence
// line from the etcd-seq runs.
func TestEtcdStoreSection(t *testing.T) {
	const in = `BenchmarkEtcdStore/ECC_NIST_P256/paired-2  	 1	 45000 ns/op	 20000 etcd-ns/op	 20000 keyring-ns/op	 1.000 ratio
BenchmarkEtcdStore/ECC_NIST_P256/paired-cpu-2  	 1	 700000 ns/op	 1.050 cpu-ratio	 21000 etcd-cpu-ns/op	 20000 keyring-cpu-ns/op
BenchmarkEtcdStore/SM2/paired-2  	 1	 45000 ns/op	 22000 etcd-ns/op	 20000 keyring-ns/op	 1.100 ratio
BenchmarkEtcdStore/SM2/paired-cpu-2  	 1	 700000 ns/op	 1.200 cpu-ratio	 24000 etcd-cpu-ns/op	 20000 keyring-cpu-ns/op
BenchmarkEtcdStore/ECC_NIST_P256/etcd-seq-2  	 1	 900000 ns/op	 250000 cpu-ns/op	 1000000 server-cpu-ns/op
BenchmarkEtcdStore/ECC_NIST_P256/paired-seq-2  	 1	 950000 ns/op	 36.00 ratio
`
	var out strings.Builder
	etcdStore(func(f string, a ...any) { out.WriteString(fmt.Sprintf(f, a...)) }, func() map[string]*result { r, _, _ := parse(strings.NewReader(in)); return r }())
	assert.Contains(t, out.String(), "| ECC_NIST_P256 | 20.0 µs | 21.0 µs | 1.050x | 1.000x | within |")
	assert.Contains(t, out.String(), "| SM2 | 20.0 µs | 24.0 µs | 1.200x | 1.100x | **over** |")
	assert.Contains(t, out.String(), "900.0 µs per call\n(36.0x the keyring's time), 250.0 µs of this process's CPU and 1000.0 µs")
	assert.NotContains(t, out.String(), "ECC_NIST_P384", "no row without its benchmarks")
}
