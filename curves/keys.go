package curves

import (
	"crypto/subtle"
	"fmt"
)

// PrivateKey is a validated private key with its public key: an EC key's
// scalar, or an EdDSA key's seed (see KeyType). The methods that name a
// scalar return the seed of an EdDSA key.
type PrivateKey struct {
	curve  Curve
	scalar []byte
	pub    PublicKey
}

// PublicKey is a validated public key: an EC key's curve point, kept
// uncompressed, or an EdDSA key's encoded point (32 bytes for Ed25519).
type PublicKey struct {
	curve Curve
	point []byte
}

// UncheckedPrivateKey builds a key from a scalar and its uncompressed public
// point (EdDSA: a seed and its encoded public key) without checking either.
// It exists for Curve implementations, whose NewPrivateKey and GenerateKey
// must have validated both; it takes ownership of the slices.
func UncheckedPrivateKey(c Curve, scalar, point []byte) *PrivateKey {
	return &PrivateKey{curve: c, scalar: scalar, pub: PublicKey{curve: c, point: point}}
}

// UncheckedPublicKey builds a key from an uncompressed point (EdDSA: an
// encoded public key) without checking it; for Curve implementations only.
// It takes ownership of the slice.
func UncheckedPublicKey(c Curve, point []byte) *PublicKey {
	return &PublicKey{curve: c, point: point}
}

// Curve returns the key's curve.
func (k *PrivateKey) Curve() Curve { return k.curve }

// Bytes returns a copy of the big-endian scalar (EdDSA: the seed),
// ScalarSize bytes long.
func (k *PrivateKey) Bytes() []byte { return append([]byte(nil), k.scalar...) }

// AppendScalar appends the scalar (EdDSA: the seed) to b without an
// intermediate copy, for encoders that wipe their output.
func (k *PrivateKey) AppendScalar(b []byte) []byte { return append(b, k.scalar...) }

// PublicKey returns the public half; it is computed once, at construction.
func (k *PrivateKey) PublicKey() *PublicKey { return &k.pub }

// Equal reports whether x is the same private key, in constant time when the
// curves match.
func (k *PrivateKey) Equal(x *PrivateKey) bool {
	if x == nil || k.curve.Spec() != x.curve.Spec() {
		return false
	}
	return subtle.ConstantTimeCompare(k.scalar, x.scalar) == 1
}

// Destroy overwrites the scalar (EdDSA: the seed) with zeros. The key must
// not be used after.
func (k *PrivateKey) Destroy() {
	clear(k.scalar)
}

// String redacts the scalar so keys never reach logs through fmt. It and
// GoString and Format have value receivers so that a dereferenced key (or one
// held by value in a struct) is redacted too.
func (k PrivateKey) String() string {
	spec := Spec("")
	if k.curve != nil {
		spec = k.curve.Spec()
	}
	return fmt.Sprintf("curves.PrivateKey(%s, REDACTED)", spec)
}

// GoString redacts the scalar for %#v.
func (k PrivateKey) GoString() string { return k.String() }

// Format redacts the scalar whatever the verb.
func (k PrivateKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// Curve returns the key's curve.
func (k *PublicKey) Curve() Curve { return k.curve }

// Bytes returns a copy of the uncompressed SEC1 point 0x04||X||Y (EdDSA:
// the encoded point, ScalarSize bytes).
func (k *PublicKey) Bytes() []byte { return append([]byte(nil), k.point...) }

// AppendPoint appends the uncompressed point (EdDSA: the encoded point) to
// b.
func (k *PublicKey) AppendPoint(b []byte) []byte { return append(b, k.point...) }

// Equal reports whether x is the same public key.
func (k *PublicKey) Equal(x *PublicKey) bool {
	if x == nil || k.curve.Spec() != x.curve.Spec() {
		return false
	}
	return subtle.ConstantTimeCompare(k.point, x.point) == 1
}
