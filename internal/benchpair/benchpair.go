// Package benchpair runs benchmark operations alone or alternated call by
// call, for the benchmarks of several packages that report one operation as
// a ratio to another measured in the same run (scripts/bench reads the
// metrics it reports).
package benchpair

import (
	"testing"
	"time"
)

// Alone runs op b.N times, reporting allocations.
func Alone(b *testing.B, op func(*testing.B)) {
	b.ReportAllocs()
	for b.Loop() {
		op(b)
	}
}

// Paired runs x and y alternately, b.N times each (taking turns at going
// first), and reports the mean time of each as "<name>-ns/op", y over x as
// "ratio" and y minus x as "added-ns/op". Alternating call by call cancels
// the drift of a shared machine, which two benchmarks run seconds apart
// each see differently.
func Paired(b *testing.B, xName string, x func(*testing.B), yName string, y func(*testing.B)) {
	var tx, ty time.Duration
	for i := 0; b.Loop(); i++ {
		first, second, tFirst, tSecond := x, y, &tx, &ty
		if i%2 == 1 {
			first, second, tFirst, tSecond = y, x, &ty, &tx
		}
		t0 := time.Now()
		first(b)
		t1 := time.Now()
		second(b)
		*tFirst += t1.Sub(t0)
		*tSecond += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tx)/n, xName+"-ns/op")
	b.ReportMetric(float64(ty)/n, yName+"-ns/op")
	b.ReportMetric(float64(ty)/float64(tx), "ratio")
	b.ReportMetric(float64(ty-tx)/n, "added-ns/op")
}
