//go:build timing

package curves

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// This file is a dudect-style leakage test (Reparaz, Balasch, Verbauwhede,
// "Dude, is my code constant time?", DATE 2017) for the secp256k1 base
// multiplication. It is run by hand, on a quiet machine:
//
//	go test -tags timing -run Timing -v ./curves/
//
// ECDKP_TIMING_SAMPLES sets the measurements per run (default 200000).
// Two classes of inputs are timed in random interleaved order: one fixed
// scalar, and fresh random scalars. Welch's t statistic between the two
// timing distributions is computed on the raw data and on the data cropped
// at several percentiles; |t| above 4.5 is evidence of a timing difference.
// dcrd's variable-time ScalarBaseMultNonConst is measured the same way as a
// control: the test fails if the control does not leak, since the harness
// would then be unable to see a leak at all.

const timingThreshold = 4.5

type timingStat struct{ n, mean, m2 float64 }

func (s *timingStat) push(x float64) {
	s.n++
	d := x - s.mean
	s.mean += d / s.n
	s.m2 += d * (x - s.mean)
}

func welchT(a, b *timingStat) float64 {
	if a.n < 2 || b.n < 2 {
		return 0
	}
	va, vb := a.m2/(a.n-1), b.m2/(b.n-1)
	den := math.Sqrt(va/a.n + vb/b.n)
	if den == 0 {
		return 0
	}
	return (a.mean - b.mean) / den
}

// measure times f on samples inputs, each drawn from the fixed class or the
// random class by a coin flip, and returns the largest |t| over the crops.
func measure(t *testing.T, samples int, fixed *secp256k1.ModNScalar, f func(*secp256k1.ModNScalar)) (maxT float64, detail []float64) {
	rng := rand.New(rand.NewChaCha8([32]byte{'d', 'u', 'd', 'e', 'c', 't'}))
	classes := make([]uint8, samples)
	inputs := make([]secp256k1.ModNScalar, samples)
	for i := range inputs {
		classes[i] = uint8(rng.IntN(2))
		if classes[i] == 0 {
			inputs[i].Set(fixed)
			continue
		}
		var b [32]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		inputs[i].SetBytes(&b)
	}
	times := make([]float64, samples)

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	runtime.GC()
	for i := range min(samples, 1000) { // warm up caches and the table
		f(&inputs[i])
	}
	for i := range inputs {
		start := time.Now()
		f(&inputs[i])
		times[i] = float64(time.Since(start).Nanoseconds())
	}

	// Drop the first 1% (start-up effects), then crop at percentiles.
	skip := samples / 100
	sorted := slices.Clone(times[skip:])
	slices.Sort(sorted)
	for _, pct := range []float64{1, 0.99, 0.95, 0.90, 0.75, 0.50} {
		limit := sorted[int(pct*float64(len(sorted)-1))]
		var s [2]timingStat
		for i := skip; i < samples; i++ {
			if times[i] <= limit {
				s[classes[i]].push(times[i])
			}
		}
		tv := welchT(&s[0], &s[1])
		detail = append(detail, tv)
		maxT = max(maxT, math.Abs(tv))
		t.Logf("  crop %3.0f%%: fixed mean %8.0f ns (n=%6.0f), random mean %8.0f ns (n=%6.0f), t = %+7.2f",
			pct*100, s[0].mean, s[0].n, s[1].mean, s[1].n, tv)
	}
	return maxT, detail
}

func TestK1ScalarBaseMultTiming(t *testing.T) {
	samples := 200000
	if v := os.Getenv("ECDKP_TIMING_SAMPLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			t.Fatalf("ECDKP_TIMING_SAMPLES=%q: want an integer >= 1000", v)
		}
		samples = n
	}
	nMinus1 := new(big.Int).Sub(secp256k1.S256().N, big.NewInt(1))
	fixed := map[string]*secp256k1.ModNScalar{
		"1":        new(secp256k1.ModNScalar).SetInt(1),
		"n-1":      new(secp256k1.ModNScalar),
		"0x0f0f..": new(secp256k1.ModNScalar),
	}
	fixed["n-1"].SetByteSlice(nMinus1.Bytes())
	var pattern [32]byte
	for i := range pattern {
		pattern[i] = 0x0f
	}
	fixed["0x0f0f.."].SetBytes(&pattern)

	var x, y secp256k1.FieldVal
	ct := func(s *secp256k1.ModNScalar) { k1ScalarBaseMult(s, &x, &y) }
	var p secp256k1.JacobianPoint
	nonConst := func(s *secp256k1.ModNScalar) {
		secp256k1.ScalarBaseMultNonConst(s, &p)
		p.ToAffine()
	}

	for _, name := range []string{"1", "n-1", "0x0f0f.."} {
		t.Logf("constant time, fixed scalar %s vs random, %d samples:", name, samples)
		got, _ := measure(t, samples, fixed[name], ct)
		if got > timingThreshold {
			t.Errorf("constant-time base multiplication: fixed %s vs random: max |t| = %.2f > %.1f (rerun on a quiet machine before concluding)",
				name, got, timingThreshold)
		}
	}

	t.Logf("control: dcrd ScalarBaseMultNonConst, fixed scalar 1 vs random, %d samples:", samples)
	control, _ := measure(t, samples, fixed["1"], nonConst)
	if control <= timingThreshold {
		t.Errorf("control: the variable-time code shows max |t| = %.2f <= %.1f: the harness cannot see a leak", control, timingThreshold)
	}
}
