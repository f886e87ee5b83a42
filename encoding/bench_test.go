package encoding_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/race"
)

// BenchmarkMarshal measures what the provider does per data key pair:
// MarshalPKCS8 plus MarshalSPKI. Budget: at most 10% of P-256 GenerateKey
// (see BenchmarkGenerateKeyP256) and at most 12 allocations for both.
func BenchmarkMarshal(b *testing.B) {
	for _, spec := range specs(b) {
		k := fixedKey(b, spec, 3)
		b.Run(string(spec), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				priv, err := encoding.MarshalPKCS8(k)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := encoding.MarshalSPKI(k.PublicKey()); err != nil {
					b.Fatal(err)
				}
				clear(priv)
			}
		})
	}
}

// BenchmarkAppend is the same with caller-owned buffers: no allocation.
func BenchmarkAppend(b *testing.B) {
	for _, spec := range specs(b) {
		k := fixedKey(b, spec, 3)
		b.Run(string(spec), func(b *testing.B) {
			b.ReportAllocs()
			priv := make([]byte, 0, 256)
			pub := make([]byte, 0, 256)
			for b.Loop() {
				p, err := encoding.AppendPKCS8(priv[:0], k)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := encoding.AppendSPKI(pub[:0], k.PublicKey()); err != nil {
					b.Fatal(err)
				}
				clear(p)
			}
		})
	}
}

// BenchmarkGenerateKeyP256 is the reference the Marshal budget is set
// against.
func BenchmarkGenerateKeyP256(b *testing.B) {
	c := lookup(b, curves.P256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GenerateKey(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, spec := range specs(b) {
		k := fixedKey(b, spec, 3)
		p8, err := encoding.MarshalPKCS8(k)
		require.NoError(b, err)
		spki, err := encoding.MarshalSPKI(k.PublicKey())
		require.NoError(b, err)
		b.Run(string(spec), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encoding.ParsePKCS8(p8); err != nil {
					b.Fatal(err)
				}
				if _, err := encoding.ParseSPKI(spki); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMarshalAllocations pins the allocation budget of the hot path: one
// allocation per Marshal call (the result), none for the Append forms.
func TestMarshalAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, spec := range specs(t) {
		k := fixedKey(t, spec, 3)
		// Warm the per-curve layout cache.
		_, err := encoding.MarshalPKCS8(k)
		require.NoError(t, err)
		marshal := testing.AllocsPerRun(100, func() {
			_, _ = encoding.MarshalPKCS8(k)
			_, _ = encoding.MarshalSPKI(k.PublicKey())
		})
		assert.LessOrEqual(t, marshal, 12.0, "%s: budget is 12 allocations", spec)
		assert.Equal(t, 2.0, marshal, "%s: MarshalPKCS8+MarshalSPKI", spec)

		priv, pub := make([]byte, 0, 256), make([]byte, 0, 256)
		appendAllocs := testing.AllocsPerRun(100, func() {
			_, _ = encoding.AppendPKCS8(priv[:0], k)
			_, _ = encoding.AppendSPKI(pub[:0], k.PublicKey())
			_, _ = encoding.AppendSEC1(priv[:0], k)
		})
		assert.Zero(t, appendAllocs, "%s: Append forms with room must not allocate", spec)
	}
}
