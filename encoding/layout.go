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

// A curve fixes the length of its scalar and of its uncompressed point, so
// every byte of an SPKI, PKCS#8 or SEC1 encoding other than the scalar and
// the point is the same for all keys of the curve. The encoders below are
// written once with cryptobyte; for each curve they are run once with
// placeholder key material to get a layout (the DER with two holes), and
// encoding a key is then a few appends into one buffer: no allocation
// beyond the output, and no intermediate copy of the scalar to wipe.

// layout is one format's DER for one curve, with holes for the key material.
type layout struct {
	der       []byte // the encoding with placeholder bytes in the holes
	scalarAt  int    // offset of the scalar hole; -1 when there is none
	scalarLen int
	pointAt   int // offset of the point hole
	pointLen  int
}

// curveLayouts holds the layouts of one curve, keyed by what they were built
// from so a different curve reusing the spec is not served a stale layout.
type curveLayouts struct {
	oid               asn1.ObjectIdentifier
	size              int
	spki, pkcs8, sec1 layout
}

var (
	layoutsMu sync.Mutex                                    // serialises writers
	layoutsBy atomic.Pointer[map[curves.Spec]*curveLayouts] // copy-on-write; readers take no lock
)

// layoutsFor returns the layouts of c, building and caching them on first use.
func layoutsFor(c curves.Curve) (*curveLayouts, error) {
	spec := c.Spec()
	if m := layoutsBy.Load(); m != nil {
		if l := (*m)[spec]; l != nil && l.size == c.ScalarSize() && l.oid.Equal(c.OID()) {
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
	l := &curveLayouts{oid: oid, size: size}
	var err error
	if l.spki, err = makeLayout(func(b *cryptobyte.Builder, _, point []byte) { buildSPKI(b, oid, point) }, 0, 1+2*size); err != nil {
		return nil, err
	}
	if l.pkcs8, err = makeLayout(func(b *cryptobyte.Builder, scalar, point []byte) { buildPKCS8(b, oid, scalar, point) }, size, 1+2*size); err != nil {
		return nil, err
	}
	if l.sec1, err = makeLayout(func(b *cryptobyte.Builder, scalar, point []byte) { buildECPrivateKey(b, oid, scalar, point) }, size, 1+2*size); err != nil {
		return nil, err
	}
	return l, nil
}

// makeLayout runs build twice, with all-0x00 and all-0xff key material, and
// finds the holes as the runs of bytes that differ: exactly one scalar-sized
// run then one point-sized run (only the latter when scalarLen is 0).
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
	l := layout{der: lo, scalarAt: -1, scalarLen: scalarLen, pointLen: pointLen}
	switch {
	case scalarLen == 0 && len(holes) == 1 && holes[0][1] == pointLen:
		l.pointAt = holes[0][0]
	case scalarLen > 0 && len(holes) == 2 && holes[0][1] == scalarLen && holes[1][1] == pointLen:
		l.scalarAt, l.pointAt = holes[0][0], holes[1][0]
	default:
		return layout{}, errors.New("encoding: internal error: unexpected layout holes")
	}
	return l, nil
}

// appendKey appends the layout filled with priv's scalar (when the layout
// has a scalar hole) and pub's point. On error dst is returned at its
// original length and whatever was appended is wiped.
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
	dst = append(dst, l.der[at:l.pointAt]...)
	n := len(dst)
	dst = pub.AppendPoint(dst)
	if len(dst)-n != l.pointLen || dst[n] != 4 {
		clear(dst[start:])
		return dst[:start], classed(ErrInvalidKey, fmt.Sprintf("%s: public key is not a %d-byte uncompressed point", what, l.pointLen), nil)
	}
	dst = append(dst, l.der[l.pointAt+l.pointLen:]...)
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
