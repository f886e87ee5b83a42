package encoding

import (
	"encoding/asn1"
	"sync"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
)

// TestLayoutsMatchBuilders checks the fast path against the cryptobyte
// encoders it is derived from, for fresh keys of every curve.
func TestLayoutsMatchBuilders(t *testing.T) {
	for _, spec := range curves.Specs() {
		c, err := curves.Lookup(spec)
		require.NoError(t, err)
		for range 8 {
			k, err := c.GenerateKey()
			require.NoError(t, err)
			scalar, point := k.Bytes(), k.PublicKey().Bytes()
			type builder struct {
				name  string
				build func(b *cryptobyte.Builder)
				fast  func() ([]byte, error)
			}
			var builders []builder
			switch curves.TypeOf(c) {
			case curves.EC:
				builders = []builder{
					{"SPKI", func(b *cryptobyte.Builder) { buildSPKI(b, c.OID(), point) },
						func() ([]byte, error) { return MarshalSPKI(k.PublicKey()) }},
					{"PKCS#8", func(b *cryptobyte.Builder) { buildPKCS8(b, c.OID(), scalar, point) },
						func() ([]byte, error) { return MarshalPKCS8(k) }},
					{"SEC1", func(b *cryptobyte.Builder) { buildECPrivateKey(b, c.OID(), scalar, point) },
						func() ([]byte, error) { return MarshalSEC1(k) }},
				}
			case curves.EdDSA:
				builders = []builder{
					{"SPKI", func(b *cryptobyte.Builder) { buildEdSPKI(b, c.OID(), point) },
						func() ([]byte, error) { return MarshalSPKI(k.PublicKey()) }},
					{"PKCS#8", func(b *cryptobyte.Builder) { buildEdPKCS8(b, c.OID(), scalar) },
						func() ([]byte, error) { return MarshalPKCS8(k) }},
				}
				_, err := MarshalSEC1(k)
				assert.Same(t, errNoSEC1, err, "%s has no SEC1", spec)
			}
			require.NotEmpty(t, builders, "%s: key type %s", spec, curves.TypeOf(c))
			for _, tc := range builders {
				b := cryptobyte.NewBuilder(nil)
				tc.build(b)
				want, err := b.Bytes()
				require.NoError(t, err)
				got, err := tc.fast()
				require.NoError(t, err)
				assert.Equal(t, want, got, "%s %s", spec, tc.name)
			}
		}
	}
}

// otherCurve reuses P-256's arithmetic under P-256's spec with another OID,
// as a mis-registered or test curve might: the cache must not hand it
// P-256's layout.
type otherCurve struct{ curves.Curve }

func (otherCurve) OID() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 2, 3, 4} }

func TestLayoutCacheKeyedByOID(t *testing.T) {
	p256, err := curves.Lookup(curves.P256)
	require.NoError(t, err)
	a, err := layoutsFor(p256)
	require.NoError(t, err)
	b, err := layoutsFor(otherCurve{p256})
	require.NoError(t, err)
	assert.NotEqual(t, a.spki.der, b.spki.der)
	assert.True(t, b.oid.Equal(asn1.ObjectIdentifier{1, 2, 3, 4}))
	again, err := layoutsFor(p256)
	require.NoError(t, err)
	assert.True(t, again.oid.Equal(p256.OID()))
}

// TestLayoutConcurrent exercises the copy-on-write cache under -race.
func TestLayoutConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, spec := range curves.Specs() {
				c, err := curves.Lookup(spec)
				if !assert.NoError(t, err) {
					return
				}
				k, err := c.GenerateKey()
				if !assert.NoError(t, err) {
					return
				}
				der, err := MarshalPKCS8(k)
				assert.NoError(t, err)
				got, err := ParsePKCS8(der)
				if assert.NoError(t, err) {
					assert.True(t, got.Equal(k))
				}
			}
		})
	}
	wg.Wait()
}

func TestMakeLayoutRejectsOddBuilders(t *testing.T) {
	// A builder that does not write the point is not a usable layout.
	_, err := makeLayout(func(b *cryptobyte.Builder, _, _ []byte) { b.AddASN1Int64(0) }, 0, 65)
	assert.Error(t, err)
	// Nor one whose scalar hole is missing.
	_, err = makeLayout(func(b *cryptobyte.Builder, _, point []byte) { b.AddASN1BitString(point) }, 32, 65)
	assert.Error(t, err)
	// A curve without an OID cannot be encoded.
	_, err = makeLayout(func(b *cryptobyte.Builder, _, point []byte) {
		b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{7})
	}, 0, 65)
	assert.ErrorIs(t, err, ErrInvalidKey)
}
