package curves

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/asn1"
	"fmt"
)

// ed25519Curve is Ed25519 (RFC 8032) on crypto/ed25519: an EdDSA curve
// whose private key is the 32-byte seed and whose public key is the 32-byte
// encoding of the point A = s*B, s derived from SHA-512(seed).
var ed25519Curve = &edCurve{}

// oidEd25519 is id-Ed25519 (RFC 8410), the algorithm OID of its SPKI and
// PKCS#8.
var oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}

type edCurve struct{}

func (*edCurve) Spec() Spec                 { return Ed25519 }
func (*edCurve) OID() asn1.ObjectIdentifier { return oidEd25519 }
func (*edCurve) ScalarSize() int            { return ed25519.SeedSize }
func (*edCurve) KeyType() KeyType           { return EdDSA }
func (*edCurve) String() string             { return string(Ed25519) }

// GenerateKey draws a seed with crypto/ed25519.GenerateKey (the system's
// secure random source). The seed held by the key is the first half of the
// 64-byte ed25519.PrivateKey, so no other copy of it is made here; the
// copies crypto/ed25519 makes (its seed buffer, the expanded key) are
// erased under GOEXPERIMENT=runtimesecret.
func (c *edCurve) GenerateKey() (*PrivateKey, error) {
	var (
		seed, pub []byte
		err       error
	)
	erasing(func() {
		var pk ed25519.PublicKey
		var sk ed25519.PrivateKey
		pk, sk, err = ed25519.GenerateKey(nil)
		if err != nil {
			return
		}
		seed, pub = sk[:ed25519.SeedSize:ed25519.SeedSize], pk
	})
	if err != nil {
		return nil, fmt.Errorf("curves: %s: generate key: %w", Ed25519, err)
	}
	return UncheckedPrivateKey(c, seed, pub), nil
}

// NewPrivateKey builds a key from a 32-byte seed. Every seed is an Ed25519
// private key except the all-zero one, which is refused: it is what a
// destroyed key holds, and the encoders refuse to write it.
func (c *edCurve) NewPrivateKey(seed []byte) (*PrivateKey, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: %s seed must be %d bytes, got %d", ErrInvalidPrivateKey, Ed25519, ed25519.SeedSize, len(seed))
	}
	if subtle.ConstantTimeCompare(seed, make([]byte, ed25519.SeedSize)) == 1 {
		return nil, fmt.Errorf("%w: %s seed is all zeros (a destroyed key?)", ErrInvalidPrivateKey, Ed25519)
	}
	own := make([]byte, ed25519.SeedSize+ed25519.PublicKeySize)
	erasing(func() {
		sk := ed25519.NewKeyFromSeed(seed)
		copy(own, sk) // seed || public key
		clear(sk)
	})
	return UncheckedPrivateKey(c, own[:ed25519.SeedSize:ed25519.SeedSize], own[ed25519.SeedSize:]), nil
}

// NewPublicKey accepts exactly the public keys a seed can have: the
// canonical encoding of a point of the prime-order subgroup other than the
// identity (see checkEd25519Point).
func (c *edCurve) NewPublicKey(point []byte) (*PublicKey, error) {
	if len(point) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: %s public key must be %d bytes, got %d", ErrInvalidPublicKey, Ed25519, ed25519.PublicKeySize, len(point))
	}
	if err := checkEd25519Point(point); err != nil {
		return nil, fmt.Errorf("%w: %s %v", ErrInvalidPublicKey, Ed25519, err)
	}
	return UncheckedPublicKey(c, append([]byte(nil), point...)), nil
}
