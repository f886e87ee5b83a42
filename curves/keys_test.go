package curves_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
)

func TestGenerateKey(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			c := sc.curve(t)
			require.Equal(t, sc.size, c.ScalarSize())
			k, err := c.GenerateKey()
			require.NoError(t, err)
			require.NotNil(t, k)

			scalar := k.Bytes()
			point := k.PublicKey().Bytes()
			assert.Len(t, scalar, sc.size, "scalar length")
			assert.Len(t, point, 1+2*sc.size, "point length")
			assert.True(t, sc.onCurve(point), "generated point is on the curve")
			s := new(big.Int).SetBytes(scalar)
			maxScalar := new(big.Int).Sub(sc.params.N, big.NewInt(sc.maxBelowN))
			assert.Positive(t, s.Sign(), "scalar is nonzero")
			assert.LessOrEqual(t, s.Cmp(maxScalar), 0, "scalar is at most n-%d", sc.maxBelowN)
			assert.Same(t, c, k.Curve())
			assert.Same(t, c, k.PublicKey().Curve())
			assert.Equal(t, scalar, k.AppendScalar(nil))
			assert.Equal(t, append([]byte{9}, point...), k.PublicKey().AppendPoint([]byte{9}))

			again, err := c.NewPrivateKey(scalar)
			require.NoError(t, err)
			assert.True(t, again.Equal(k), "NewPrivateKey(k.Bytes()) is the same private key")
			assert.Equal(t, point, again.PublicKey().Bytes(), "and has the same public key")
			assert.True(t, again.PublicKey().Equal(k.PublicKey()))

			pub, err := c.NewPublicKey(point)
			require.NoError(t, err)
			assert.True(t, pub.Equal(k.PublicKey()), "NewPublicKey(pub.Bytes()) is Equal")
			assert.Equal(t, point, pub.Bytes())

			other, err := c.GenerateKey()
			require.NoError(t, err)
			assert.False(t, other.Equal(k), "two generated keys differ")
			assert.False(t, other.PublicKey().Equal(k.PublicKey()))
			assert.False(t, k.Equal(nil))
			assert.False(t, k.PublicKey().Equal(nil))
		})
	}
}

// TestKeysOfDifferentCurvesDiffer checks that Equal compares curves, not only
// bytes: P-256 and secp256k1 share a scalar size, so one scalar is a valid key
// on both.
func TestKeysOfDifferentCurvesDiffer(t *testing.T) {
	scalar := make([]byte, 32)
	scalar[31] = 7
	var keys []*curves.PrivateKey
	for _, s := range []curves.Spec{curves.P256, curves.Secp256k1, curves.SM2} {
		c, err := curves.Lookup(s)
		require.NoError(t, err)
		k, err := c.NewPrivateKey(scalar)
		require.NoError(t, err)
		keys = append(keys, k)
	}
	for i := range keys {
		for j := range keys {
			assert.Equal(t, i == j, keys[i].Equal(keys[j]), "private %d vs %d", i, j)
			assert.Equal(t, i == j, keys[i].PublicKey().Equal(keys[j].PublicKey()), "public %d vs %d", i, j)
		}
	}
}

func TestNewPrivateKeyFixedScalars(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			c := sc.curve(t)
			g := sc.generator(t)
			two, err := c.NewPrivateKey(sc.scalar(big.NewInt(2)))
			require.NoError(t, err)
			twoG := two.PublicKey().Bytes()
			require.True(t, sc.onCurve(twoG))
			require.NotEqual(t, g, twoG)

			one := sc.scalar(big.NewInt(1))
			allFF := bytes.Repeat([]byte{0xff}, sc.size)
			cases := []struct {
				name   string
				scalar []byte
				valid  bool
				point  []byte // expected public key when valid
			}{
				{"1 gives the generator", one, true, g},
				{"2", sc.scalar(big.NewInt(2)), true, twoG},
				{"n-1 gives -G", sc.scalarFromN(-1), sc.maxBelowN == 1, sc.negate(g)},
				{"n-2 gives -2G", sc.scalarFromN(-2), true, sc.negate(twoG)},
				{"n", sc.scalarFromN(0), false, nil},
				{"n+1", sc.scalarFromN(1), false, nil},
				{"all 0xff", allFF, false, nil},
				{"0", make([]byte, sc.size), false, nil},
				{"short", one[1:], false, nil},
				{"long", append([]byte{0}, one...), false, nil},
				{"empty", []byte{}, false, nil},
				{"nil", nil, false, nil},
			}
			for _, tc := range cases {
				k, err := c.NewPrivateKey(tc.scalar)
				if !tc.valid {
					assert.ErrorIs(t, err, curves.ErrInvalidPrivateKey, tc.name)
					assert.Nil(t, k, tc.name)
					if err != nil && len(tc.scalar) > 8 {
						assert.NotContains(t, strings.ToLower(err.Error()), hex.EncodeToString(tc.scalar[len(tc.scalar)-8:]),
							"%s: error message leaks the scalar", tc.name)
					}
					continue
				}
				if !assert.NoError(t, err, tc.name) {
					continue
				}
				assert.Equal(t, tc.scalar, k.Bytes(), tc.name)
				assert.Equal(t, tc.point, k.PublicKey().Bytes(), tc.name)
				assert.True(t, sc.onCurve(k.PublicKey().Bytes()), tc.name)
			}
			// The input slice is copied: changing it later does not change
			// the key.
			in := sc.scalar(big.NewInt(3))
			k, err := c.NewPrivateKey(in)
			require.NoError(t, err)
			in[len(in)-1] = 4
			assert.Equal(t, sc.scalar(big.NewInt(3)), k.Bytes())
		})
	}
}

func TestDestroyWipesScalar(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			k, err := sc.curve(t).GenerateKey()
			require.NoError(t, err)
			before := k.Bytes()
			point := k.PublicKey().Bytes()
			k.Destroy()
			assert.Equal(t, make([]byte, sc.size), k.Bytes(), "Bytes after Destroy")
			assert.Equal(t, make([]byte, sc.size), k.AppendScalar(nil), "AppendScalar after Destroy")
			assert.NotEqual(t, make([]byte, sc.size), before, "Bytes returned a copy, not the wiped buffer")
			assert.Equal(t, point, k.PublicKey().Bytes(), "the public key is not secret and stays")
		})
	}
}

func TestPrivateKeyFormatRedacts(t *testing.T) {
	verbs := []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d", "%T %v"}
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			k, err := sc.curve(t).GenerateKey()
			require.NoError(t, err)
			scalar := k.Bytes()
			secrets := []string{hex.EncodeToString(scalar), strings.ToUpper(hex.EncodeToString(scalar)), fmt.Sprint(scalar)}
			type holder struct {
				Ptr *curves.PrivateKey
				Val curves.PrivateKey
			}
			args := map[string]any{
				"pointer":        k,
				"value":          *k,
				"struct":         holder{Ptr: k, Val: *k},
				"pointer struct": &holder{Ptr: k, Val: *k},
				"slice":          []*curves.PrivateKey{k},
			}
			for name, arg := range args {
				for _, verb := range verbs {
					operands := []any{arg}
					if strings.Count(verb, "%") == 2 {
						operands = append(operands, arg)
					}
					out := fmt.Sprintf(verb, operands...)
					for _, s := range secrets {
						assert.NotContains(t, out, s, "%s of %s leaks the scalar", verb, name)
					}
					assert.Contains(t, out, "REDACTED", "%s of %s", verb, name)
				}
			}
			assert.Equal(t, "<nil>", fmt.Sprint((*curves.PrivateKey)(nil)))
		})
	}
}

func TestGenerateKeyConcurrent(t *testing.T) {
	const goroutines, perSpec = 8, 16
	type result struct {
		spec   curves.Spec
		scalar string
		err    error
	}
	results := make(chan result, goroutines*perSpec*len(specCases))
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perSpec {
				for _, sc := range specCases {
					c, err := curves.Lookup(sc.spec)
					if err != nil {
						results <- result{sc.spec, "", err}
						continue
					}
					k, err := c.GenerateKey()
					if err != nil {
						results <- result{sc.spec, "", err}
						continue
					}
					if !sc.onCurve(k.PublicKey().Bytes()) || len(k.Bytes()) != sc.size {
						err = fmt.Errorf("malformed key")
					}
					results <- result{sc.spec, string(k.Bytes()), err}
				}
			}
		})
	}
	wg.Wait()
	close(results)
	seen := map[string]bool{}
	n := 0
	for r := range results {
		n++
		if assert.NoError(t, r.err, r.spec) {
			assert.False(t, seen[r.scalar], "%s: a scalar was generated twice", r.spec)
			seen[r.scalar] = true
		}
	}
	assert.Equal(t, goroutines*perSpec*len(specCases), n)
}

// BenchmarkGenerateKey is the raw curve operation that every other
// benchmark of the module is compared with.
func BenchmarkGenerateKey(b *testing.B) {
	for _, sc := range specCases {
		b.Run(string(sc.spec), func(b *testing.B) {
			c := sc.curve(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.GenerateKey(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
