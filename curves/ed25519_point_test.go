package curves

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file holds the limb arithmetic of ed25519_point.go to a plain
// math/big transcription of RFC 8032: the field, the decoding (5.1.3) and
// the group law in affine coordinates (5.1.4's addition, computed with
// inversions), then the whole check on generated, random and edge inputs.

var (
	refP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// d = -121665/121666 (RFC 8032, 5.1).
	refD = refMod(new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), refP)))
	refL = new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 252), refDecimal("27742317777372353535851937790883648493"))
)

func refDecimal(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

func refMod(n *big.Int) *big.Int { return n.Mod(n, refP) }

// refPoint is an affine point; the identity is (0, 1).
type refPoint struct{ x, y *big.Int }

// refAdd is the twisted Edwards addition law with a = -1:
// x3 = (x1y2 + y1x2) / (1 + d x1x2y1y2), y3 = (y1y2 + x1x2) / (1 - d x1x2y1y2).
func refAdd(p, q refPoint) refPoint {
	xy := refMod(new(big.Int).Mul(new(big.Int).Mul(p.x, q.x), new(big.Int).Mul(p.y, q.y)))
	dxy := refMod(new(big.Int).Mul(refD, xy))
	xn := refMod(new(big.Int).Add(new(big.Int).Mul(p.x, q.y), new(big.Int).Mul(p.y, q.x)))
	yn := refMod(new(big.Int).Add(new(big.Int).Mul(p.y, q.y), new(big.Int).Mul(p.x, q.x)))
	xd := new(big.Int).ModInverse(refMod(new(big.Int).Add(big.NewInt(1), dxy)), refP)
	yd := new(big.Int).ModInverse(refMod(new(big.Int).Sub(big.NewInt(1), dxy)), refP)
	return refPoint{refMod(xn.Mul(xn, xd)), refMod(yn.Mul(yn, yd))}
}

func refMult(k *big.Int, p refPoint) refPoint {
	r := refPoint{big.NewInt(0), big.NewInt(1)}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = refAdd(r, r)
		if k.Bit(i) == 1 {
			r = refAdd(r, p)
		}
	}
	return r
}

func refIsIdentity(p refPoint) bool { return p.x.Sign() == 0 && p.y.Cmp(big.NewInt(1)) == 0 }

// refDecode is RFC 8032, 5.1.3, with big.Int.ModSqrt for the square root
// (ed25519_point.go uses the RFC's exponentiation instead).
func refDecode(enc []byte) (refPoint, bool) {
	le := bytes.Clone(enc)
	sign := le[31] >> 7
	le[31] &= 0x7f
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		le[i], le[j] = le[j], le[i]
	}
	y := new(big.Int).SetBytes(le)
	if y.Cmp(refP) >= 0 {
		return refPoint{}, false
	}
	y2 := refMod(new(big.Int).Mul(y, y))
	u := refMod(new(big.Int).Sub(y2, big.NewInt(1)))
	v := refMod(new(big.Int).Add(new(big.Int).Mul(refD, y2), big.NewInt(1)))
	x2 := refMod(new(big.Int).Mul(u, new(big.Int).ModInverse(v, refP)))
	x := new(big.Int).ModSqrt(x2, refP)
	if x == nil {
		return refPoint{}, false
	}
	if x.Sign() == 0 && sign == 1 {
		return refPoint{}, false
	}
	if x.Bit(0) != uint(sign) {
		x.Sub(refP, x)
	}
	return refPoint{x, y}, true
}

func refEncode(p refPoint) []byte {
	out := make([]byte, 32)
	p.y.FillBytes(out)
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	out[31] |= byte(p.x.Bit(0)) << 7
	return out
}

// refValid is what checkEd25519Point must say: decodes, not the identity,
// order L.
func refValid(enc []byte) bool {
	p, ok := refDecode(enc)
	return ok && !refIsIdentity(p) && refIsIdentity(refMult(refL, p))
}

func TestEd25519Constants(t *testing.T) {
	assert.Zero(t, refP.Cmp(edP), "p")
	assert.Equal(t, refL.Bytes(), edL, "L")
	assert.Equal(t, new(big.Int).Rsh(new(big.Int).Sub(refP, big.NewInt(5)), 3).Bytes(), edExp, "(p-5)/8")
	assert.Equal(t, feFromBig(refD), edD)
	m := new(fe).square(&edSqrtM)
	assert.True(t, m.equal(new(fe).neg(&fe{1})), "edSqrtM is a square root of -1")
}

// feValues are field inputs: edge values, non-reduced encodings and random
// ones.
func feValues(t *testing.T) [][32]byte {
	var out [][32]byte
	add := func(n *big.Int) {
		var le [32]byte
		n.FillBytes(le[:])
		for i, j := 0, 31; i < j; i, j = i+1, j-1 {
			le[i], le[j] = le[j], le[i]
		}
		out = append(out, le)
	}
	for _, d := range []int64{0, 1, 2, 18, 19, 20, 38} {
		add(big.NewInt(d))
		add(new(big.Int).Sub(refP, big.NewInt(d+1)))
		if d <= 18 {
			add(new(big.Int).Add(refP, big.NewInt(d))) // not reduced: p+d < 2^255
		}
	}
	add(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(1)))
	add(new(big.Int).Lsh(big.NewInt(1), 254))
	add(new(big.Int).Lsh(big.NewInt(1), 51))
	add(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 51), big.NewInt(1)))
	for range 200 {
		var b [32]byte
		_, err := rand.Read(b[:])
		require.NoError(t, err)
		b[31] &= 0x7f
		out = append(out, b)
	}
	return out
}

func feBig(b [32]byte) *big.Int {
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return new(big.Int).SetBytes(b[:])
}

func reverse(b []byte) []byte {
	out := bytes.Clone(b)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestFieldMatchesBig(t *testing.T) {
	vals := feValues(t)
	for i, a := range vals {
		b := vals[(i*7+3)%len(vals)]
		fa, fb := feFromBytes(&a), feFromBytes(&b)
		ba, bb := feBig(a), feBig(b)
		canon := func(n *big.Int) [32]byte {
			var le [32]byte
			refMod(n).FillBytes(le[:])
			for i, j := 0, 31; i < j; i, j = i+1, j-1 {
				le[i], le[j] = le[j], le[i]
			}
			return le
		}
		assert.Equal(t, canon(new(big.Int).Set(ba)), fa.bytes(), "bytes(%x)", a)
		assert.Equal(t, canon(new(big.Int).Mul(ba, bb)), new(fe).mul(&fa, &fb).bytes(), "%x * %x", a, b)
		assert.Equal(t, canon(new(big.Int).Mul(ba, ba)), new(fe).mul(&fa, &fa).bytes(), "%x * itself", a)
		assert.Equal(t, canon(new(big.Int).Mul(ba, ba)), new(fe).square(&fa).bytes(), "%x^2", a)
		assert.Equal(t, canon(new(big.Int).Add(ba, bb)), new(fe).add(&fa, &fb).bytes(), "%x + %x", a, b)
		assert.Equal(t, canon(new(big.Int).Sub(ba, bb)), new(fe).sub(&fa, &fb).bytes(), "%x - %x", a, b)
		assert.Equal(t, canon(new(big.Int).Neg(ba)), new(fe).neg(&fa).bytes(), "-%x", a)
		e := a[:]
		assert.Equal(t, canon(new(big.Int).Exp(bb, feBig(a), refP)), new(fe).pow(&fb, reverse(e)).bytes(), "%x^%x", b, a)
		// Chains keep the limbs in range, the operands aliasing the
		// result: x = (x+b)*x - a, then squared.
		x, y := fa, ba
		for range 20 {
			var s fe
			x.sub(x.mul(s.add(&x, &fb), &x), &fa)
			x.square(&x)
			y = refMod(new(big.Int).Sub(new(big.Int).Mul(new(big.Int).Add(y, bb), y), ba))
			y = refMod(y.Mul(y, y))
		}
		assert.Equal(t, canon(y), x.bytes(), "chain from %x", a)
	}
}

// mixedOrder returns the encoding of A + T for a point A of order L and a
// point T of order 8, a point no seed has.
func mixedOrder(t *testing.T, a []byte) []byte {
	t8, ok := refDecode(mustHex(t, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))
	require.True(t, ok)
	require.False(t, refIsIdentity(refMult(big.NewInt(4), t8)), "T has order 8")
	require.True(t, refIsIdentity(refMult(big.NewInt(8), t8)))
	p, ok := refDecode(a)
	require.True(t, ok)
	return refEncode(refAdd(p, t8))
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestCheckEd25519PointMatchesReference(t *testing.T) {
	var inputs [][]byte
	for range 16 {
		pub, _, err := ed25519.GenerateKey(nil)
		require.NoError(t, err)
		inputs = append(inputs, pub, mixedOrder(t, pub))
		flipped := bytes.Clone(pub)
		flipped[31] ^= 0x80 // -A: valid too
		inputs = append(inputs, flipped)
		flipped = bytes.Clone(pub)
		flipped[0] ^= 1 // another y: on the curve about half the time
		inputs = append(inputs, flipped)
	}
	for range 200 {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		require.NoError(t, err)
		inputs = append(inputs, b)
	}
	for _, v := range feValues(t)[:40] { // the edge values of y, both signs
		inputs = append(inputs, bytes.Clone(v[:]))
		v[31] |= 0x80
		inputs = append(inputs, bytes.Clone(v[:]))
	}
	counts := map[bool]int{}
	for _, in := range inputs {
		want := refValid(in)
		err := checkEd25519Point(in)
		assert.Equal(t, want, err == nil, "%x: reference says valid=%v, check says %v", in, want, err)
		counts[want]++
	}
	assert.Greater(t, counts[true], 40, "the inputs hold valid points")
	assert.Greater(t, counts[false], 40, "and invalid ones")
}

func BenchmarkCheckEd25519Point(b *testing.B) {
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := checkEd25519Point(pub); err != nil {
			b.Fatal(err)
		}
	}
}
