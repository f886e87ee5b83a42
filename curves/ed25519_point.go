package curves

import (
	"encoding/binary"
	"errors"
	"math/big"
	"math/bits"
)

// Ed25519 public key validation. The standard library has no exported
// edwards25519 point decoder (crypto/ed25519 checks a public key only when
// it verifies a signature, and accepts non-canonical encodings then; its
// edwards25519 package is internal), so the decoding and the subgroup check
// are written here: a field GF(2^255-19) in five 51-bit limbs and the
// unified addition in extended coordinates. They read public data only, so
// they need not run in constant time, and they run when a public key is
// parsed, never when a key pair is made. The tests hold them to a math/big
// transcription of RFC 8032 and to crypto/ed25519.

// fe is an element of GF(p), p = 2^255 - 19, as a0 + a1*2^51 + ... +
// a4*2^204. Between operations each limb is below 2^52. The operations
// work on pointers, in the style of filippo.io/edwards25519, since Go passes
// arrays on the stack.
type fe [5]uint64

const mask51 = 1<<51 - 1

// feFromBig converts 0 <= n < p.
func feFromBig(n *big.Int) fe {
	var le [32]byte
	n.FillBytes(le[:])
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		le[i], le[j] = le[j], le[i]
	}
	return feFromBytes(&le)
}

// feFromBytes reads 255 bits little-endian; bit 255 is ignored.
func feFromBytes(b *[32]byte) fe {
	w0 := binary.LittleEndian.Uint64(b[0:8])
	w1 := binary.LittleEndian.Uint64(b[8:16])
	w2 := binary.LittleEndian.Uint64(b[16:24])
	w3 := binary.LittleEndian.Uint64(b[24:32])
	return fe{
		w0 & mask51,
		(w0>>51 | w1<<13) & mask51,
		(w1>>38 | w2<<26) & mask51,
		(w2>>25 | w3<<39) & mask51,
		w3 >> 12 & mask51,
	}
}

// bytes returns the canonical (fully reduced) little-endian encoding.
func (v *fe) bytes() [32]byte {
	a := *v
	a.carry()
	// Now a < 2^255 + 2^19: subtract p once if a >= p, which is when a+19
	// carries out of bit 255.
	q := (a[0] + 19) >> 51
	q = (a[1] + q) >> 51
	q = (a[2] + q) >> 51
	q = (a[3] + q) >> 51
	q = (a[4] + q) >> 51
	a[0] += 19 * q
	a[1] += a[0] >> 51
	a[0] &= mask51
	a[2] += a[1] >> 51
	a[1] &= mask51
	a[3] += a[2] >> 51
	a[2] &= mask51
	a[4] += a[3] >> 51
	a[3] &= mask51
	a[4] &= mask51 // drops the 2^255 of a+19-p
	var out [32]byte
	binary.LittleEndian.PutUint64(out[0:8], a[0]|a[1]<<51)
	binary.LittleEndian.PutUint64(out[8:16], a[1]>>13|a[2]<<38)
	binary.LittleEndian.PutUint64(out[16:24], a[2]>>26|a[3]<<25)
	binary.LittleEndian.PutUint64(out[24:32], a[3]>>39|a[4]<<12)
	return out
}

func (v *fe) equal(b *fe) bool { return v.bytes() == b.bytes() }
func (v *fe) isZero() bool     { return v.bytes() == [32]byte{} }
func (v *fe) isOdd() bool      { b := v.bytes(); return b[0]&1 == 1 }

// carry brings every limb below 2^51 (the first below 2^51 + 2^19),
// folding the top carry back as 19.
func (v *fe) carry() {
	c0, c1, c2, c3, c4 := v[0]>>51, v[1]>>51, v[2]>>51, v[3]>>51, v[4]>>51
	v[0] = v[0]&mask51 + 19*c4
	v[1] = v[1]&mask51 + c0
	v[2] = v[2]&mask51 + c1
	v[3] = v[3]&mask51 + c2
	v[4] = v[4]&mask51 + c3
}

// add sets v = a + b.
func (v *fe) add(a, b *fe) *fe {
	*v = fe{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]}
	v.carry()
	return v
}

// sub sets v = a - b, computed as a + 4p - b: the limbs of 4p (2^53 - 76,
// then 2^53 - 4) are above those of b.
func (v *fe) sub(a, b *fe) *fe {
	const four0, four = 1<<53 - 76, 1<<53 - 4
	*v = fe{a[0] + four0 - b[0], a[1] + four - b[1], a[2] + four - b[2], a[3] + four - b[3], a[4] + four - b[4]}
	v.carry()
	return v
}

// neg sets v = -a.
func (v *fe) neg(a *fe) *fe { return v.sub(&fe{}, a) }

// mulAdd returns (hi, lo) + a*b.
func mulAdd(hi, lo, a, b uint64) (uint64, uint64) {
	h, l := bits.Mul64(a, b)
	l, c := bits.Add64(lo, l, 0)
	return hi + h + c, l
}

// mul sets v = a*b. With limbs below 2^52, each product is below 2^104
// (2^108.3 for the ones folded with 19), each column below 2^111, and
// every carry fits in 64 bits.
func (v *fe) mul(a, b *fe) *fe {
	a0, a1, a2, a3, a4 := a[0], a[1], a[2], a[3], a[4]
	b0, b1, b2, b3, b4 := b[0], b[1], b[2], b[3], b[4]
	b1x19, b2x19, b3x19, b4x19 := 19*b1, 19*b2, 19*b3, 19*b4
	var h0, l0, h1, l1, h2, l2, h3, l3, h4, l4 uint64
	h0, l0 = mulAdd(h0, l0, a0, b0)
	h0, l0 = mulAdd(h0, l0, a1, b4x19)
	h0, l0 = mulAdd(h0, l0, a2, b3x19)
	h0, l0 = mulAdd(h0, l0, a3, b2x19)
	h0, l0 = mulAdd(h0, l0, a4, b1x19)
	h1, l1 = mulAdd(h1, l1, a0, b1)
	h1, l1 = mulAdd(h1, l1, a1, b0)
	h1, l1 = mulAdd(h1, l1, a2, b4x19)
	h1, l1 = mulAdd(h1, l1, a3, b3x19)
	h1, l1 = mulAdd(h1, l1, a4, b2x19)
	h2, l2 = mulAdd(h2, l2, a0, b2)
	h2, l2 = mulAdd(h2, l2, a1, b1)
	h2, l2 = mulAdd(h2, l2, a2, b0)
	h2, l2 = mulAdd(h2, l2, a3, b4x19)
	h2, l2 = mulAdd(h2, l2, a4, b3x19)
	h3, l3 = mulAdd(h3, l3, a0, b3)
	h3, l3 = mulAdd(h3, l3, a1, b2)
	h3, l3 = mulAdd(h3, l3, a2, b1)
	h3, l3 = mulAdd(h3, l3, a3, b0)
	h3, l3 = mulAdd(h3, l3, a4, b4x19)
	h4, l4 = mulAdd(h4, l4, a0, b4)
	h4, l4 = mulAdd(h4, l4, a1, b3)
	h4, l4 = mulAdd(h4, l4, a2, b2)
	h4, l4 = mulAdd(h4, l4, a3, b1)
	h4, l4 = mulAdd(h4, l4, a4, b0)
	return v.reduce(h0, l0, h1, l1, h2, l2, h3, l3, h4, l4)
}

// square sets v = a*a, computing each cross product once.
func (v *fe) square(a *fe) *fe {
	a0, a1, a2, a3, a4 := a[0], a[1], a[2], a[3], a[4]
	a0x2, a1x2 := 2*a0, 2*a1
	a1x38, a2x38, a3x38 := 38*a1, 38*a2, 38*a3
	a3x19, a4x19 := 19*a3, 19*a4
	var h0, l0, h1, l1, h2, l2, h3, l3, h4, l4 uint64
	h0, l0 = mulAdd(h0, l0, a0, a0)
	h0, l0 = mulAdd(h0, l0, a1x38, a4)
	h0, l0 = mulAdd(h0, l0, a2x38, a3)
	h1, l1 = mulAdd(h1, l1, a0x2, a1)
	h1, l1 = mulAdd(h1, l1, a2x38, a4)
	h1, l1 = mulAdd(h1, l1, a3x19, a3)
	h2, l2 = mulAdd(h2, l2, a0x2, a2)
	h2, l2 = mulAdd(h2, l2, a1, a1)
	h2, l2 = mulAdd(h2, l2, a3x38, a4)
	h3, l3 = mulAdd(h3, l3, a0x2, a3)
	h3, l3 = mulAdd(h3, l3, a1x2, a2)
	h3, l3 = mulAdd(h3, l3, a4x19, a4)
	h4, l4 = mulAdd(h4, l4, a0x2, a4)
	h4, l4 = mulAdd(h4, l4, a1x2, a3)
	h4, l4 = mulAdd(h4, l4, a2, a2)
	return v.reduce(h0, l0, h1, l1, h2, l2, h3, l3, h4, l4)
}

// reduce sets v from five 128-bit columns.
func (v *fe) reduce(h0, l0, h1, l1, h2, l2, h3, l3, h4, l4 uint64) *fe {
	c0, c1, c2, c3, c4 := h0<<13|l0>>51, h1<<13|l1>>51, h2<<13|l2>>51, h3<<13|l3>>51, h4<<13|l4>>51
	*v = fe{l0&mask51 + 19*c4, l1&mask51 + c0, l2&mask51 + c1, l3&mask51 + c2, l4&mask51 + c3}
	v.carry()
	return v
}

// pow sets v = a^e, e given big-endian, by square-and-multiply.
func (v *fe) pow(a *fe, e []byte) *fe {
	r, x := fe{1}, *a
	for _, byt := range e {
		for i := 7; i >= 0; i-- {
			r.square(&r)
			if byt>>i&1 == 1 {
				r.mul(&r, &x)
			}
		}
	}
	*v = r
	return v
}

// The curve -x^2 + y^2 = 1 + d*x^2*y^2 over GF(p) and the order L of its
// prime-order subgroup (RFC 8032, 5.1).
var (
	edP     = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	edD     = feFromBig(edDecimal("37095705934669439343138083508754565189542113879843219016388785533085940283555"))
	edD2    = *new(fe).add(&edD, &edD)
	edL     = edDecimal("7237005577332262213973186563042994240857116359379907606001950938285454250989").Bytes()
	edExp   = new(big.Int).Rsh(new(big.Int).Sub(edP, big.NewInt(5)), 3).Bytes()                       // (p-5)/8
	edSqrtM = *new(fe).pow(&fe{2}, new(big.Int).Rsh(new(big.Int).Sub(edP, big.NewInt(1)), 2).Bytes()) // a square root of -1
)

func edDecimal(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("curves: bad Ed25519 constant")
	}
	return n
}

// checkEd25519Point returns an error unless enc (32 bytes) is the canonical
// encoding of a point of order L. That is, it decodes as RFC 8032, 5.1.3
// says, with none of the leniencies of crypto/ed25519.Verify:
//
//   - y, the low 255 bits read little-endian, is below p (no non-canonical
//     y in [p, 2^255));
//   - x^2 = (y^2 - 1) / (d*y^2 + 1) has a square root (the point is on the
//     curve);
//   - x = 0 comes with sign bit 0 (the other encodings of (0, 1) and
//     (0, -1) are refused);
//
// and then L*P must be the identity while P is not: that rules out the
// identity, the seven other points of small order and every point with a
// small-order component, none of which is s*B for any seed.
func checkEd25519Point(enc []byte) error {
	var b [32]byte
	copy(b[:], enc)
	sign := b[31] >> 7
	b[31] &= 0x7f
	y := feFromBytes(&b)
	if y.bytes() != b {
		return errors.New("point encoding is not canonical (y >= p)")
	}
	x, ok := edRecoverX(&y, sign)
	if !ok {
		return errors.New("point is not on the curve")
	}
	if x == nil {
		return errors.New("point encoding is not canonical (x = 0 with the sign bit set)")
	}
	p := edPoint{x: *x, y: y, z: fe{1}}
	p.t.mul(x, &y)
	if p.isIdentity() {
		return errors.New("point is the identity")
	}
	if !p.scalarMult(edL).isIdentity() {
		return errors.New("point is not in the prime-order subgroup (it has a small-order component)")
	}
	return nil
}

// edRecoverX returns the x with the given sign bit for y (RFC 8032, 5.1.3,
// steps 2-4); ok is false when there is none, and x is nil when x = 0 and
// the sign bit is 1.
func edRecoverX(y *fe, sign byte) (x *fe, ok bool) {
	var y2, u, v, v3, v7, r, t fe
	one := fe{1}
	y2.square(y)
	u.sub(&y2, &one)
	v.add(v.mul(&edD, &y2), &one)
	// r = u*v^3 * (u*v^7)^((p-5)/8)
	v3.mul(v3.square(&v), &v)
	v7.mul(v7.square(&v3), &v)
	t.pow(t.mul(&u, &v7), edExp)
	r.mul(r.mul(&u, &v3), &t)
	vr2 := new(fe).mul(&v, t.square(&r))
	switch {
	case vr2.equal(&u):
	case vr2.equal(t.neg(&u)):
		r.mul(&r, &edSqrtM)
	default:
		return nil, false
	}
	if r.isZero() {
		if sign == 1 {
			return nil, true
		}
		return &r, true
	}
	if r.isOdd() != (sign == 1) {
		r.neg(&r)
	}
	return &r, true
}

// edPoint is a point in extended coordinates (X:Y:Z:T): x = X/Z, y = Y/Z,
// x*y = T/Z.
type edPoint struct{ x, y, z, t fe }

func (p *edPoint) isIdentity() bool { return p.x.isZero() && p.y.equal(&p.z) }

// add sets r = p + q by the unified addition of Hisil, Wong, Carter and
// Dawson (2008) for a = -1, complete on this curve (d is not a square).
func (r *edPoint) add(p, q *edPoint) *edPoint {
	var a, b, c, d, e, f, g, h, t fe
	a.mul(a.sub(&p.y, &p.x), t.sub(&q.y, &q.x))
	b.mul(b.add(&p.y, &p.x), t.add(&q.y, &q.x))
	c.mul(c.mul(&p.t, &edD2), &q.t)
	d.mul(d.add(&p.z, &p.z), &q.z)
	e.sub(&b, &a)
	f.sub(&d, &c)
	g.add(&d, &c)
	h.add(&b, &a)
	r.x.mul(&e, &f)
	r.y.mul(&g, &h)
	r.z.mul(&f, &g)
	r.t.mul(&e, &h)
	return r
}

// double sets r = 2p by the doubling of the same paper (a = -1), which does
// not read T; it computes r's T only when withT is set.
func (r *edPoint) double(p *edPoint, withT bool) *edPoint {
	var a, b, c, e, f, g, h fe
	a.square(&p.x)
	b.square(&p.y)
	c.square(&p.z)
	c.add(&c, &c)
	e.sub(e.sub(e.square(e.add(&p.x, &p.y)), &a), &b)
	g.sub(&b, &a)        // D + B, D = -A
	f.sub(&g, &c)        // G - C
	h.neg(h.add(&a, &b)) // D - B
	r.x.mul(&e, &f)
	r.y.mul(&g, &h)
	r.z.mul(&f, &g)
	if withT {
		r.t.mul(&e, &h)
	}
	return r
}

// scalarMult returns k*p, k big-endian, by double-and-add (variable time:
// public data only).
func (p *edPoint) scalarMult(k []byte) *edPoint {
	r := &edPoint{y: fe{1}, z: fe{1}}
	for _, byt := range k {
		for i := 7; i >= 0; i-- {
			bit := byt>>i&1 == 1
			r.double(r, bit)
			if bit {
				r.add(r, p)
			}
		}
	}
	return r
}
