package curves

import (
	"encoding/binary"
	"math/bits"
	"sync"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Constant-time fixed-base multiplication s*G on secp256k1.
//
// dcrd's ScalarBaseMultNonConst indexes its tables with the secret scalar's
// bytes and skips work for zero bytes. This file computes the same point with
// no branch and no memory address that depends on the scalar:
//
//   - The scalar is recoded into k1Windows signed digits d_i in
//     [-2^(w-1), 2^(w-1)] (w = k1Window) so that s = sum d_i * 2^(w*i). The
//     recoding uses only shifts, adds and masks.
//   - Table i holds the affine points j * 2^(w*i) * G for j = 1..2^(w-1),
//     so s*G is the sum of one entry per table and no doubling is needed.
//     Every entry of table i is read for digit i, and the wanted one is kept
//     with a mask (k1Select); its y is then negated when d_i < 0 with a mask.
//   - Points are added with the complete mixed addition of Renes, Costello
//     and Batina ("Complete addition formulas for prime order elliptic
//     curves", EUROCRYPT 2016, algorithm 8 for a = 0) in homogeneous
//     projective coordinates: it has no exceptional case for the identity,
//     for doubling or for P + (-P). The one input it cannot take, an affine
//     identity for a zero digit, is handled by computing the sum anyway and
//     keeping the previous accumulator with a constant-time select.
//   - The field arithmetic is dcrd's FieldVal, whose Mul, Square, Add,
//     Negate, MulInt, Normalize, SetBytes, PutBytes and Inverse are documented
//     and written as constant time (fixed sequences of word operations, and a
//     fixed addition chain for Inverse).

const (
	// k1Window is the width in bits of a signed window. Six bits gives 43
	// additions of 32-entry tables (the trade-off crypto/internal/nistec
	// makes for P-256); the table is 43*32*64 bytes = 86 KiB.
	k1Window = 6
	// k1Windows digits cover 257 bits, so the carry out of the top window of
	// a 256-bit scalar is always zero.
	k1Windows = (257 + k1Window - 1) / k1Window
	// k1Entries is the number of nonzero multiples held per window.
	k1Entries = 1 << (k1Window - 1)
	// k1WindowMask extracts one window's bits.
	k1WindowMask = 1<<k1Window - 1
)

// k1Affine is a table entry: the affine x and y coordinates as big-endian
// 64-bit words, x[0..3] then y[0..3], the most significant word first.
type k1Affine [8]uint64

// k1Table holds, for window i, the points j * 2^(w*i) * G at index j-1.
type k1Table [k1Windows][k1Entries]k1Affine

var (
	k1TableOnce sync.Once
	k1TableData *k1Table
)

// k1BaseTable returns the precomputed table, building it on first use from
// the public generator with dcrd's variable-time arithmetic (it depends on no
// secret).
func k1BaseTable() *k1Table {
	k1TableOnce.Do(func() { k1TableData = buildK1Table() })
	return k1TableData
}

func buildK1Table() *k1Table {
	// Compute every multiple in Jacobian coordinates, then convert all of
	// them to affine with a single inversion (Montgomery's batch trick).
	const total = k1Windows * k1Entries
	pts := make([]secp256k1.JacobianPoint, total)
	var base secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(new(secp256k1.ModNScalar).SetInt(1), &base)
	for i := range k1Windows {
		row := pts[i*k1Entries : (i+1)*k1Entries]
		row[0].Set(&base)
		secp256k1.DoubleNonConst(&base, &row[1])
		for j := 2; j < k1Entries; j++ {
			secp256k1.AddNonConst(&row[j-1], &base, &row[j])
		}
		// The next window's base is 2^w * base = 2 * (2^(w-1) * base).
		secp256k1.DoubleNonConst(&row[k1Entries-1], &base)
	}

	// prefix[k] = Z_0 * ... * Z_k; no Z is zero: the order n is prime and
	// no j * 2^(w*i) in the table is a multiple of it.
	prefix := make([]secp256k1.FieldVal, total)
	prefix[0].Set(&pts[0].Z).Normalize()
	for k := 1; k < total; k++ {
		prefix[k].Mul2(&prefix[k-1], &pts[k].Z).Normalize()
	}
	var inv secp256k1.FieldVal
	inv.Set(&prefix[total-1]).Inverse()

	t := new(k1Table)
	for k := total - 1; k >= 0; k-- {
		// zInv = 1/Z_k = inv * prefix[k-1]; then inv = inv * Z_k.
		var zInv, zInv2, x, y secp256k1.FieldVal
		if k > 0 {
			zInv.Mul2(&inv, &prefix[k-1])
		} else {
			zInv.Set(&inv)
		}
		inv.Mul(&pts[k].Z).Normalize()
		zInv2.SquareVal(&zInv)
		x.Mul2(&pts[k].X, &zInv2).Normalize()
		y.Mul2(&pts[k].Y, zInv2.Mul(&zInv)).Normalize()
		t[k/k1Entries][k%k1Entries] = k1AffineFromField(&x, &y)
	}
	return t
}

func k1AffineFromField(x, y *secp256k1.FieldVal) k1Affine {
	var e k1Affine
	xb, yb := x.Bytes(), y.Bytes()
	for w := range 4 {
		e[w] = binary.BigEndian.Uint64(xb[8*w:])
		e[4+w] = binary.BigEndian.Uint64(yb[8*w:])
	}
	return e
}

// k1FieldPrime is p as big-endian 64-bit words.
var k1FieldPrime = [4]uint64{0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xfffffffefffffc2f}

// k1B3 is 3*b = 21, the constant of the complete formulas for y^2 = x^3 + 7.
var k1B3 = func() secp256k1.FieldVal {
	var f secp256k1.FieldVal
	f.SetInt(21)
	return f
}()

// k1Proj is a point in homogeneous projective coordinates (X:Y:Z), x = X/Z,
// y = Y/Z; the identity is (0:1:0). Magnitudes are at most 3.
type k1Proj struct {
	x, y, z secp256k1.FieldVal
}

// k1ScalarBaseMult sets (x, y) to the affine coordinates of s*G, normalized,
// in constant time. It returns 0 when s is zero (the identity, which has no
// affine coordinates; x and y are then zero) and 1 otherwise.
func k1ScalarBaseMult(s *secp256k1.ModNScalar, x, y *secp256k1.FieldVal) uint32 {
	table := k1BaseTable()

	// The scalar as little-endian 64-bit limbs, with a zero limb above so a
	// window that straddles bit 256 reads zeros.
	sb := s.Bytes()
	var limbs [5]uint64
	for w := range 4 {
		limbs[w] = binary.BigEndian.Uint64(sb[32-8*(w+1):])
	}
	clear(sb[:])

	var acc, sum k1Proj
	acc.y.SetInt(1) // identity (0:1:0)
	var carry uint64
	var e k1Affine
	var px, py secp256k1.FieldVal
	for i := range k1Windows {
		// The window position is public; only its value is secret.
		pos := uint(i * k1Window)
		word, shift := pos/64, pos%64
		v := limbs[word] >> shift
		if shift > 64-k1Window {
			v |= limbs[word+1] << (64 - shift)
		}
		v = v&k1WindowMask + carry // in [0, 2^w]

		// Signed digit d = v - carry_out*2^w, carry_out = v > 2^(w-1).
		carry = (v + k1Entries - 1) >> k1Window
		neg := 1<<k1Window - v
		abs := v ^ ((v ^ neg) & -carry) // |d| in [0, 2^(w-1)]

		k1Select(&e, &table[i], abs)
		k1CondNegateY(&e, carry)
		k1FieldFromAffine(&e, &px, &py)
		k1AddMixed(&sum, &acc, &px, &py)

		// Keep the old accumulator when d = 0 (px, py were zero).
		nonzero := uint8(1 ^ k1IsZero(abs))
		k1FieldSelect(&acc.x, &sum.x, &acc.x, nonzero)
		k1FieldSelect(&acc.y, &sum.y, &acc.y, nonzero)
		k1FieldSelect(&acc.z, &sum.z, &acc.z, nonzero)
	}
	clear(limbs[:])
	clear(e[:])
	px.Zero()
	py.Zero()

	// To affine: x = X/Z, y = Y/Z. Inverse maps 0 to 0, so the identity
	// comes out as (0, 0) with no branch.
	var zInv secp256k1.FieldVal
	zInv.Set(&acc.z).Normalize()
	ok := 1 ^ zInv.IsZeroBit()
	zInv.Inverse()
	x.Mul2(&acc.x, &zInv).Normalize()
	y.Mul2(&acc.y, &zInv).Normalize()
	return ok
}

// k1IsZero returns 1 if v == 0 and 0 otherwise, without a branch.
func k1IsZero(v uint64) uint64 {
	// v | -v has its top bit set exactly when v != 0.
	return ((v | -v) >> 63) ^ 1
}

// k1Select sets e to row[n-1], or to all zeros when n == 0, reading every
// entry of the row.
func k1Select(e *k1Affine, row *[k1Entries]k1Affine, n uint64) {
	var e0, e1, e2, e3, e4, e5, e6, e7 uint64
	for j := range row {
		m := -k1IsZero(n ^ uint64(j+1)) // all ones when j+1 == n
		r := &row[j]
		e0 |= r[0] & m
		e1 |= r[1] & m
		e2 |= r[2] & m
		e3 |= r[3] & m
		e4 |= r[4] & m
		e5 |= r[5] & m
		e6 |= r[6] & m
		e7 |= r[7] & m
	}
	*e = k1Affine{e0, e1, e2, e3, e4, e5, e6, e7}
}

// k1CondNegateY replaces y by p - y when neg is 1 (neg is 0 or 1).
func k1CondNegateY(e *k1Affine, neg uint64) {
	var ny [4]uint64
	var borrow uint64
	for w := 3; w >= 0; w-- {
		ny[w], borrow = bits.Sub64(k1FieldPrime[w], e[4+w], borrow)
	}
	m := -neg
	for w := range 4 {
		e[4+w] ^= (e[4+w] ^ ny[w]) & m
	}
}

// k1FieldFromAffine unpacks an entry into field values (magnitude 1).
func k1FieldFromAffine(e *k1Affine, x, y *secp256k1.FieldVal) {
	var b [32]byte
	for w := range 4 {
		binary.BigEndian.PutUint64(b[8*w:], e[w])
	}
	x.SetBytes(&b)
	for w := range 4 {
		binary.BigEndian.PutUint64(b[8*w:], e[4+w])
	}
	y.SetBytes(&b)
	clear(b[:])
}

// k1FieldSelect sets dst to a when c is 1 and to b when c is 0, without a
// branch: FieldVal's limbs are unexported, so the select multiplies every
// limb by 0 or 1 (MulInt) and adds. Exactly one term is nonzero, so dst's
// limbs equal those of the chosen value and so does its magnitude.
func k1FieldSelect(dst, a, b *secp256k1.FieldVal, c uint8) {
	var t secp256k1.FieldVal
	t.Set(a).MulInt(c)
	dst.Set(b).MulInt(1 ^ c).Add(&t)
}

// k1AddMixed sets r = p + (x2, y2), where (x2, y2) is an affine point of
// magnitude 1 and p has coordinate magnitudes at most 3; r has magnitudes
// at most 3. It is algorithm 8 of Renes–Costello–Batina (complete mixed
// addition, a = 0, b3 = 21), valid for every p including the identity and
// p = ±(x2, y2). The magnitude of each intermediate is noted; FieldVal's Mul
// needs inputs of magnitude at most 8.
func k1AddMixed(r, p *k1Proj, x2, y2 *secp256k1.FieldVal) {
	var t0, t1, t2, t3, t4, x3, y3, z3, n secp256k1.FieldVal
	t0.Mul2(&p.x, x2)                 // t0 = X1*X2            (1)
	t1.Mul2(&p.y, y2)                 // t1 = Y1*Y2            (1)
	t3.Add2(x2, y2)                   // t3 = X2+Y2            (2)
	t4.Add2(&p.x, &p.y)               // t4 = X1+Y1            (<=6)
	t3.Mul(&t4)                       // t3 = t3*t4            (1)
	t4.Add2(&t0, &t1)                 // t4 = t0+t1            (2)
	t3.Add(n.NegateVal(&t4, 2))       // t3 = t3-t4           (4)
	t4.Mul2(y2, &p.z)                 // t4 = Y2*Z1            (1)
	t4.Add(&p.y)                      // t4 = t4+Y1            (<=4)
	y3.Mul2(x2, &p.z)                 // Y3 = X2*Z1            (1)
	y3.Add(&p.x)                      // Y3 = Y3+X1            (<=4)
	x3.Add2(&t0, &t0)                 // X3 = t0+t0            (2)
	t0.Add(&x3)                       // t0 = X3+t0            (3)
	t2.Mul2(&k1B3, &p.z)              // t2 = b3*Z1            (1)
	z3.Add2(&t1, &t2)                 // Z3 = t1+t2            (2)
	t1.Add(n.NegateVal(&t2, 1))       // t1 = t1-t2           (4)
	y3.Mul(&k1B3)                     // Y3 = b3*Y3            (1)
	x3.Mul2(&t4, &y3)                 // X3 = t4*Y3            (1)
	t2.Mul2(&t3, &t1)                 // t2 = t3*t1            (1)
	x3.Add2(&t2, n.NegateVal(&x3, 1)) // X3 = t2-X3     (3)
	y3.Mul(&t0)                       // Y3 = Y3*t0            (1)
	t1.Mul(&z3)                       // t1 = t1*Z3            (1)
	y3.Add(&t1)                       // Y3 = t1+Y3            (2)
	t0.Mul(&t3)                       // t0 = t0*t3            (1)
	z3.Mul(&t4)                       // Z3 = Z3*t4            (1)
	z3.Add(&t0)                       // Z3 = Z3+t0            (2)
	r.x, r.y, r.z = x3, y3, z3
}
