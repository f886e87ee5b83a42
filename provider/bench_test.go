package provider_test

import (
	"context"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// BenchmarkCreateEcDatakeyPair measures the in-process call (plaintext on,
// AES_256 master key) beside the raw GenerateKey of the same curve, in one
// run, so scripts/bench can report the ratio. Budget (DESIGN.md): at most
// 1.25x raw and 20 allocations per call.
func BenchmarkCreateEcDatakeyPair(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	for _, spec := range curves.Specs() {
		c, err := curves.Lookup(spec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(spec)+"/raw", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k, err := c.GenerateKey()
				if err != nil {
					b.Fatal(err)
				}
				k.Destroy()
			}
		})
		req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(spec)}
		b.Run(string(spec)+"/create", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.P.CreateEcDatakeyPair(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateParallel measures throughput with GOMAXPROCS goroutines;
// run with -cpu 1,2 to see scaling (budget: 2 goroutines give 1.8x one).
func BenchmarkCreateParallel(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(curves.P256)}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.P.CreateEcDatakeyPair(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
