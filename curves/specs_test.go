package curves_test

import (
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/emmansun/gmsm/sm2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
)

// specCase describes one built-in curve from its standard, independently of
// the package under test: the generator coordinates are copied from the
// standards (FIPS 186-4 / SP 800-186 D.1.2, SEC 2 2.4.1, GB/T 32918.5) and
// cross-checked against another implementation in TestSpecCasesMatchLibraries.
type specCase struct {
	spec Spec
	oid  asn1.ObjectIdentifier
	size int
	// a is the curve coefficient a (-3 or 0); b, p and n are taken from
	// params, which TestSpecCasesMatchLibraries ties to gx and gy.
	a      int64
	gx, gy string
	params *elliptic.CurveParams
	// maxBelowN says the largest private key is n - maxBelowN: n-1, or n-2
	// for SM2 (GB/T 32918.1).
	maxBelowN int64
}

// Spec shortens curves.Spec in the table.
type Spec = curves.Spec

var specCases = []specCase{
	{
		spec: curves.P256, oid: asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, size: 32, a: -3,
		gx:     "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
		gy:     "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
		params: elliptic.P256().Params(), maxBelowN: 1,
	},
	{
		spec: curves.P384, oid: asn1.ObjectIdentifier{1, 3, 132, 0, 34}, size: 48, a: -3,
		gx:     "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
		gy:     "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
		params: elliptic.P384().Params(), maxBelowN: 1,
	},
	{
		spec: curves.P521, oid: asn1.ObjectIdentifier{1, 3, 132, 0, 35}, size: 66, a: -3,
		gx:     "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
		gy:     "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
		params: elliptic.P521().Params(), maxBelowN: 1,
	},
	{
		spec: curves.Secp256k1, oid: asn1.ObjectIdentifier{1, 3, 132, 0, 10}, size: 32, a: 0,
		gx:     "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
		gy:     "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
		params: secp256k1.S256().Params(), maxBelowN: 1,
	},
	{
		spec: curves.SM2, oid: asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}, size: 32, a: -3,
		gx:     "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7",
		gy:     "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0",
		params: sm2.P256().Params(), maxBelowN: 2,
	},
}

func (sc specCase) curve(t testing.TB) curves.Curve {
	t.Helper()
	c, err := curves.Lookup(sc.spec)
	require.NoError(t, err)
	return c
}

// scalar encodes v as a fixed-length big-endian scalar for this curve.
func (sc specCase) scalar(v *big.Int) []byte {
	return v.FillBytes(make([]byte, sc.size))
}

// scalarFromN returns n+d as a fixed-length scalar.
func (sc specCase) scalarFromN(d int64) []byte {
	return sc.scalar(new(big.Int).Add(sc.params.N, big.NewInt(d)))
}

// generator returns the uncompressed generator from the standard's hex.
func (sc specCase) generator(t testing.TB) []byte {
	t.Helper()
	x, err := hex.DecodeString(sc.gx)
	require.NoError(t, err)
	y, err := hex.DecodeString(sc.gy)
	require.NoError(t, err)
	require.Len(t, x, sc.size)
	require.Len(t, y, sc.size)
	return append(append([]byte{4}, x...), y...)
}

// xy splits an uncompressed point into big-endian integers.
func (sc specCase) xy(point []byte) (x, y *big.Int) {
	return new(big.Int).SetBytes(point[1 : 1+sc.size]), new(big.Int).SetBytes(point[1+sc.size:])
}

// uncompressed encodes (x, y) as 0x04||X||Y.
func (sc specCase) uncompressed(x, y *big.Int) []byte {
	out := make([]byte, 1+2*sc.size)
	out[0] = 4
	x.FillBytes(out[1 : 1+sc.size])
	y.FillBytes(out[1+sc.size:])
	return out
}

// compress encodes an uncompressed point as 0x02/0x03||X by y's parity.
func (sc specCase) compress(point []byte) []byte {
	out := make([]byte, 1+sc.size)
	out[0] = 2 | point[len(point)-1]&1
	copy(out[1:], point[1:1+sc.size])
	return out
}

// negate returns -P for an uncompressed point.
func (sc specCase) negate(point []byte) []byte {
	x, y := sc.xy(point)
	return sc.uncompressed(x, new(big.Int).Sub(sc.params.P, y))
}

// rhs returns x^3 + a*x + b mod p.
func (sc specCase) rhs(x *big.Int) *big.Int {
	p := sc.params.P
	r := new(big.Int).Exp(x, big.NewInt(3), p)
	r.Add(r, new(big.Int).Mul(big.NewInt(sc.a), x))
	r.Add(r, sc.params.B)
	return r.Mod(r, p)
}

// onCurve checks y^2 = x^3 + a*x + b with both coordinates reduced.
func (sc specCase) onCurve(point []byte) bool {
	if len(point) != 1+2*sc.size || point[0] != 4 {
		return false
	}
	x, y := sc.xy(point)
	p := sc.params.P
	if x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
		return false
	}
	lhs := new(big.Int).Exp(y, big.NewInt(2), p)
	return lhs.Cmp(sc.rhs(x)) == 0
}

// nonResidueX returns the smallest x whose x^3 + a*x + b is not a square,
// so no point has that x.
func (sc specCase) nonResidueX() *big.Int {
	for x := big.NewInt(1); ; x.Add(x, big.NewInt(1)) {
		if big.Jacobi(sc.rhs(x), sc.params.P) == -1 {
			return x
		}
	}
}

// TestSpecCasesMatchLibraries double-checks the standards' generators typed
// in specCases against crypto/elliptic, dcrd and gmsm, and that they are on
// the curve equation used by onCurve.
func TestSpecCasesMatchLibraries(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			g := sc.generator(t)
			x, y := sc.xy(g)
			assert.Zero(t, x.Cmp(sc.params.Gx), "Gx differs from the library's")
			assert.Zero(t, y.Cmp(sc.params.Gy), "Gy differs from the library's")
			assert.Equal(t, sc.size, (sc.params.BitSize+7)/8)
			assert.True(t, sc.onCurve(g), "generator is not on y^2 = x^3 %+d x + b", sc.a)
		})
	}
}
