package encoding

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ecdkp/ecdkp/curves"
	"golang.org/x/crypto/cryptobyte"
)

// A curve fixes the length of its scalar (or seed) and of its public key, so
// every byte of an SPKI, PKCS#8 or SEC1 encoding other than the key material
// is the same for all keys of the curve. The encoders below are written once
// with cryptobyte; for each curve they are run once with placeholder key
// material to get a layout (the DER with a hole for the scalar and one for
// the point, or only one of them), and encoding a key is then a few appends
// into one buffer: no allocation beyond the output, and no intermediate copy
// of the scalar to wipe. An EC key's PKCS#8 and SEC1 have both holes and its
// SPKI a point hole; an EdDSA key's SPKI has a point hole and its PKCS#8 a
// seed hole only (OpenSSL writes no public key there); it has no SEC1.

// layout is one format's DER for one curve, with holes for the key material.
type layout struct {
	der       []byte // the encoding with placeholder bytes in the holes
	scalarAt  int    // offset of the scalar (seed) hole; -1 when there is none
	scalarLen int
	pointAt   int // offset of the point hole; -1 when there is none
	pointLen  int
	ecPoint   bool // the point is a SEC 1 uncompressed point: it starts with 04
}

// curveLayouts holds the layouts of one curve, keyed by what they were built
// from so a different curve reusing the spec is not served a stale layout.
// sec1.der is nil for a key type without SEC1.
type curveLayouts struct {
	oid               asn1.ObjectIdentifier
	size              int
	typ               curves.KeyType
	spki, pkcs8, sec1 layout
}

// errNoSEC1 is the refusal of SEC1 for an EdDSA key, made once so that
// AppendSEC1 allocates nothing even then.
var errNoSEC1 = classed(ErrUnsupportedAlgorithm, "SEC1: EdDSA keys (Ed25519) have no SEC 1 ECPrivateKey form; use PKCS#8", nil)

var (
	layoutsMu sync.Mutex                                    // serialises writers
	layoutsBy atomic.Pointer[map[curves.Spec]*curveLayouts] // copy-on-write; readers take no lock
)

// layoutsFor returns the layouts of c, building and caching them on first use.
func layoutsFor(c curves.Curve) (*curveLayouts, error) {
	spec := c.Spec()
	if m := layoutsBy.Load(); m != nil {
		if l := (*m)[spec]; l != nil && l.size == c.ScalarSize() && l.typ == curves.TypeOf(c) && l.oid.Equal(c.OID()) {
			return l, nil
		}
	}
	l, err := newCurveLayouts(c)
	if err != nil {
		return nil, err
	}
	layoutsMu.Lock()
	defer layoutsMu.Unlock()
	next := map[curves.Spec]*curveLayouts{}
	if m := layoutsBy.Load(); m != nil {
		for k, v := range *m {
			next[k] = v
		}
	}
	next[spec] = l
	layoutsBy.Store(&next)
	return l, nil
}

func newCurveLayouts(c curves.Curve) (*curveLayouts, error) {
	oid := slices.Clone(c.OID())
	size := c.ScalarSize()
	if len(oid) == 0 || size <= 0 {
		return nil, classed(ErrInvalidKey, fmt.Sprintf("curve %s has no OID or scalar size", c.Spec()), nil)
	}
	typ := curves.TypeOf(c)
	l := &curveLayouts{oid: oid, size: size, typ: typ}
	pointLen := typ.PublicKeySize(size)
	var err error
	switch typ {
	case curves.EC:
		if l.spki, err = makeLayout(func(b *cryptobyte.Builder, _, point []byte) { buildSPKI(b, oid, point) }, 0, pointLen); err != nil {
			return nil, err
		}
		if l.pkcs8, err = makeLayout(func(b *cryptobyte.Builder, scalar, point []byte) { buildPKCS8(b, oid, scalar, point) }, size, pointLen); err != nil {
			return nil, err
		}
		if l.sec1, err = makeLayout(func(b *cryptobyte.Builder, scalar, point []byte) { buildECPrivateKey(b, oid, scalar, point) }, size, pointLen); err != nil {
			return nil, err
		}
		l.spki.ecPoint, l.pkcs8.ecPoint, l.sec1.ecPoint = true, true, true
	case curves.EdDSA:
		if l.spki, err = makeLayout(func(b *cryptobyte.Builder, _, point []byte) { buildEdSPKI(b, oid, point) }, 0, pointLen); err != nil {
			return nil, err
		}
		if l.pkcs8, err = makeLayout(func(b *cryptobyte.Builder, seed, _ []byte) { buildEdPKCS8(b, oid, seed) }, size, 0); err != nil {
			return nil, err
		}
	default:
		return nil, classed(ErrUnsupportedAlgorithm, fmt.Sprintf("curve %s has key type %s, which this package cannot encode", c.Spec(), typ), nil)
	}
	return l, nil
}

// makeLayout runs build twice, with all-0x00 and all-0xff key material, and
// finds the holes as the runs of bytes that differ: exactly one scalar-sized
// run then one point-sized run (only one of them when the other length is
// 0).
func makeLayout(build func(b *cryptobyte.Builder, scalar, point []byte), scalarLen, pointLen int) (layout, error) {
	run := func(v byte) ([]byte, error) {
		b := cryptobyte.NewBuilder(nil)
		build(b, bytes.Repeat([]byte{v}, scalarLen), bytes.Repeat([]byte{v}, pointLen))
		return b.Bytes()
	}
	lo, err := run(0x00)
	if err != nil {
		return layout{}, classed(ErrInvalidKey, "cannot encode the curve", err)
	}
	hi, err := run(0xff)
	if err != nil {
		return layout{}, classed(ErrInvalidKey, "cannot encode the curve", err)
	}
	if len(lo) != len(hi) {
		return layout{}, errors.New("encoding: internal error: layout length depends on key material")
	}
	var holes [][2]int // offset, length
	for i := 0; i < len(lo); {
		if lo[i] == hi[i] {
			i++
			continue
		}
		j := i
		for j < len(lo) && lo[j] != hi[j] {
			j++
		}
		holes = append(holes, [2]int{i, j - i})
		i = j
	}
	l := layout{der: lo, scalarAt: -1, scalarLen: scalarLen, pointAt: -1, pointLen: pointLen}
	var want []*int // the offsets to fill, in hole order
	var lens []int
	if scalarLen > 0 {
		want, lens = append(want, &l.scalarAt), append(lens, scalarLen)
	}
	if pointLen > 0 {
		want, lens = append(want, &l.pointAt), append(lens, pointLen)
	}
	if len(want) == 0 || len(holes) != len(want) {
		return layout{}, errors.New("encoding: internal error: unexpected layout holes")
	}
	for i, h := range holes {
		if h[1] != lens[i] {
			return layout{}, errors.New("encoding: internal error: unexpected layout holes")
		}
		*want[i] = h[0]
	}
	return l, nil
}

// appendKey appends the layout filled with priv's scalar (when the layout
// has a scalar hole) and pub's point (when it has a point hole). On error
// dst is returned at its original length and whatever was appended is
// wiped.
func (l *layout) appendKey(dst []byte, priv *curves.PrivateKey, pub *curves.PublicKey, what string) ([]byte, error) {
	start := len(dst)
	// Grow once, before the scalar is written, so no reallocation leaves a
	// copy of it behind in an abandoned array.
	dst = slices.Grow(dst, len(l.der))
	at := 0
	if l.scalarAt >= 0 {
		dst = append(dst, l.der[:l.scalarAt]...)
		n := len(dst)
		dst = priv.AppendScalar(dst)
		if len(dst)-n != l.scalarLen {
			clear(dst[start:])
			return dst[:start], classed(ErrInvalidKey, fmt.Sprintf("%s: private scalar is %d bytes, want %d", what, len(dst)-n, l.scalarLen), nil)
		}
		if allZero(dst[n:]) {
			clear(dst[start:])
			return dst[:start], classed(ErrInvalidKey, what+": private scalar is zero (destroyed key?)", nil)
		}
		at = l.scalarAt + l.scalarLen
	}
	if l.pointAt >= 0 {
		dst = append(dst, l.der[at:l.pointAt]...)
		n := len(dst)
		dst = pub.AppendPoint(dst)
		if len(dst)-n != l.pointLen || (l.ecPoint && dst[n] != 4) {
			clear(dst[start:])
			if l.ecPoint {
				return dst[:start], classed(ErrInvalidKey, fmt.Sprintf("%s: public key is not a %d-byte uncompressed point", what, l.pointLen), nil)
			}
			return dst[:start], classed(ErrInvalidKey, fmt.Sprintf("%s: public key is not %d bytes", what, l.pointLen), nil)
		}
		at = l.pointAt + l.pointLen
	}
	dst = append(dst, l.der[at:]...)
	return dst, nil
}

// allZero reports whether b is all zeros, without branching on its bytes.
func allZero(b []byte) bool {
	var acc byte
	for _, x := range b {
		acc |= x
	}
	return acc == 0
}
