package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func peerFixture() *peerReport {
	r := &peerReport{Label: "abc", CPUs: 2, Reps: 2, Seconds: 2, Conns: []int{4}}
	for rep, raw := range []float64{10000, 12000} {
		r.Raw = append(r.Raw, rawRun{Spec: "ECC_NIST_P256", Rep: rep, CPUNs: raw})
	}
	// Per repetition: ecdkp 30 and 24 µs, local-kms 100 and 60 µs: the
	// paired ratios are 0.30 and 0.40 (median 0.35), while the medians
	// taken apart would give 27/80 = 0.34.
	for rep, cpu := range [][2]float64{{30, 100}, {24, 60}} {
		r.Runs = append(r.Runs,
			run{Target: "ecdkp-aws", Server: "ecdkp", Dialect: "aws", Spec: "ECC_NIST_P256", Conns: 4, Rep: rep, CPUus: cpu[0], RPS: 1000, Allocs: 40},
			run{Target: "local-kms", Server: "local-kms", Dialect: "aws", Spec: "ECC_NIST_P256", Conns: 4, Rep: rep, CPUus: cpu[1], RPS: 500, Allocs: -1},
			run{Target: "floor-http", Server: "floor-http", Dialect: "aws", Spec: "ECC_NIST_P256", Conns: 4, Rep: rep, CPUus: 8, RPS: 3000, Allocs: -1},
			run{Target: "floor-tcp", Server: "floor-tcp", Dialect: "aws", Spec: "ECC_NIST_P256", Conns: 4, Rep: rep, CPUus: 3, RPS: 5000, Allocs: -1})
	}
	r.Memory = []run{
		{Target: "ecdkp-aws", Server: "ecdkp", Spec: "mixed", Conns: 32, Requests: 20000, RSSKiB: 30 * 1024, Allocs: 50},
		{Target: "local-kms", Server: "local-kms", Spec: "mixed", Conns: 32, Requests: 20000, RSSKiB: 90 * 1024, Allocs: -1},
	}
	r.MatrixRSSKiB = map[string]int64{"ecdkp": 70 * 1024, "local-kms": 40 * 1024}
	r.Profile = &profile{Label: "abc", Run: run{CPUus: 27, Allocs: 40, RPS: 1000}, SyscallShare: 0.2,
		Categories: []category{{Name: "key generation (the curve)", Share: 0.4, Us: 10.8}, {Name: "net/http server, connection I/O", Share: 0.6, Us: 16.2, SyscallShare: 0.3}},
		Top:        []category{{Name: "p256MulInternal", Share: 0.1, Us: 2.7}}}
	return r
}

func TestRenderPeer(t *testing.T) {
	before := &peerReport{Raw: []rawRun{{Spec: "ECC_NIST_P256", CPUNs: 11000}},
		Profile: &profile{Label: "old", Run: run{CPUus: 55, Allocs: 100}, Categories: []category{{Name: "key generation (the curve)", Share: 0.2, Us: 11}, {Name: "audit trail (JSONAuditor)", Share: 0.1, Us: 5.5}}}}
	var out strings.Builder
	render(&out, strings.NewReader(""), "m", peerFixture(), before)
	md := out.String()
	assert.Contains(t, md, "| ecdkp-aws | 4 | 1000 | 27.0 | 2.45x | 0.35x |", "median CPU, ratio to the median raw (11 µs), paired ratio to local-kms")
	assert.Contains(t, md, "| local-kms | 4 | 500 | 80.0 | 7.27x | — |")
	assert.Contains(t, md, "| CPU per request vs raw GenerateKey | 27.0 µs / 11.0 µs = 2.45x | 2.00x | **over** |")
	assert.Contains(t, md, "| CPU per request vs local-kms | 0.35x (local-kms 80.0 µs) | 0.33x | **over** |")
	assert.Contains(t, md, "| floor-http | 4 | 3000 | 8.0 | 0.73x | 0.11x |", "a floor's row beside the servers")
	assert.Contains(t, md, "| floor-http: net/http (ecdkp's timeouts) reading the body and answering a canned answer | 8.0 µs | 0.73x |")
	assert.Contains(t, md, "| floor-tcp: a bare socket loop, one read and one write a request | 3.0 µs | 0.27x |")
	assert.Contains(t, md, "the budget of 2x leaves 3.0 µs a request", "2 x 11 - 11 - 8")
	assert.Contains(t, md, "metrics) costs ecdkp 8.0 µs", "27 - 11 - 8")

	// A transport floor above what the budget leaves for it.
	over := peerFixture()
	for i := range over.Runs {
		if over.Runs[i].Target == "floor-http" {
			over.Runs[i].CPUus = 14
		}
	}
	out.Reset()
	render(&out, strings.NewReader(""), "m", over, before)
	md = out.String()
	assert.Contains(t, md, "the curve and the transport alone cost 25.0 µs a request, 3.0 µs over the budget of 2x", "11 + 14 against 2 x 11")
	assert.NotContains(t, md, "leaves -")
	assert.Contains(t, md, "| ecdkp-aws | 20000 | 0 | 0 µs | 0 µs | 30.0 MiB | 50.0 | 0, 0 | within |")
	assert.Contains(t, md, "| local-kms | 20000 | 0 | 0 µs | 0 µs | 90.0 MiB | — | 0, 0 | — |", "local-kms has no RSS budget")
	assert.Contains(t, md, "ecdkp 70.0 MiB; local-kms 40.0 MiB;")
	assert.Contains(t, md, "| | before (old) | now (abc) |")
	assert.Contains(t, md, "| ratio | 5.00x | 2.45x |")
	assert.Contains(t, md, "| audit trail (JSONAuditor) | 5.5 µs (10%) | — |", "a component gone from the profile")
	assert.Contains(t, md, "| net/http server, connection I/O | — | 16.2 µs (60%, 30% in syscalls) |")
}

func TestPairedRatioAndMedian(t *testing.T) {
	a := []run{{Rep: 0, CPUus: 30}, {Rep: 1, CPUus: 24}, {Rep: 2, CPUus: 10}}
	b := []run{{Rep: 0, CPUus: 100}, {Rep: 1, CPUus: 60}}
	assert.InDelta(t, 0.35, pairedRatio(a, b), 1e-9, "only repetitions both ran are paired")
	assert.Zero(t, pairedRatio(a, nil))
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
	assert.Zero(t, median(nil))
}
