package curves

import (
	"encoding/asn1"
	"fmt"
)

// backend is the arithmetic a built-in curve family supplies; ecCurve turns
// it into a Curve with the checks every family shares.
type backend interface {
	// generate returns a fresh scalar and its uncompressed point.
	generate() (scalar, point []byte, err error)
	// publicKey validates a fixed-length scalar's range and returns its point.
	publicKey(scalar []byte) (point []byte, err error)
	// checkUncompressed validates an uncompressed point (on curve, reduced).
	checkUncompressed(point []byte) error
	// decompress turns a valid compressed point into an uncompressed one.
	decompress(point []byte) ([]byte, error)
	// ecdh returns the x-coordinate of scalar*point.
	ecdh(scalar, point []byte) ([]byte, error)
}

// ecCurve is the Curve of every built-in family.
type ecCurve struct {
	spec Spec
	oid  asn1.ObjectIdentifier
	size int
	b    backend
}

func (c *ecCurve) Spec() Spec                 { return c.spec }
func (c *ecCurve) OID() asn1.ObjectIdentifier { return c.oid }
func (c *ecCurve) ScalarSize() int            { return c.size }
func (c *ecCurve) String() string             { return string(c.spec) }

func (c *ecCurve) GenerateKey() (*PrivateKey, error) {
	var (
		scalar, point []byte
		err           error
	)
	erasing(func() { scalar, point, err = c.b.generate() })
	if err != nil {
		return nil, fmt.Errorf("curves: %s: generate key: %w", c.spec, err)
	}
	return UncheckedPrivateKey(c, scalar, point), nil
}

func (c *ecCurve) NewPrivateKey(scalar []byte) (*PrivateKey, error) {
	if len(scalar) != c.size {
		return nil, fmt.Errorf("%w: %s scalar must be %d bytes, got %d", ErrInvalidPrivateKey, c.spec, c.size, len(scalar))
	}
	var (
		point []byte
		err   error
	)
	erasing(func() { point, err = c.b.publicKey(scalar) })
	if err != nil {
		return nil, fmt.Errorf("%w: %s scalar is zero or above the largest private key (n-1, or n-2 for SM2)", ErrInvalidPrivateKey, c.spec)
	}
	return UncheckedPrivateKey(c, append([]byte(nil), scalar...), point), nil
}

func (c *ecCurve) NewPublicKey(point []byte) (*PublicKey, error) {
	if len(point) == 0 || (len(point) == 1 && point[0] == 0) {
		return nil, fmt.Errorf("%w: %s point at infinity", ErrInvalidPublicKey, c.spec)
	}
	var err error
	switch point[0] {
	case 4:
		if len(point) != 1+2*c.size {
			return nil, fmt.Errorf("%w: %s uncompressed point must be %d bytes, got %d", ErrInvalidPublicKey, c.spec, 1+2*c.size, len(point))
		}
		if err = c.b.checkUncompressed(point); err != nil {
			return nil, fmt.Errorf("%w: %s point is not on the curve", ErrInvalidPublicKey, c.spec)
		}
		return UncheckedPublicKey(c, append([]byte(nil), point...)), nil
	case 2, 3:
		if len(point) != 1+c.size {
			return nil, fmt.Errorf("%w: %s compressed point must be %d bytes, got %d", ErrInvalidPublicKey, c.spec, 1+c.size, len(point))
		}
		full, err := c.b.decompress(point)
		if err != nil {
			return nil, fmt.Errorf("%w: %s compressed point is not on the curve", ErrInvalidPublicKey, c.spec)
		}
		return UncheckedPublicKey(c, full), nil
	case 6, 7:
		return nil, fmt.Errorf("%w: %s hybrid point encoding (0x%02x) is not accepted", ErrInvalidPublicKey, c.spec, point[0])
	default:
		return nil, fmt.Errorf("%w: %s unknown point encoding 0x%02x", ErrInvalidPublicKey, c.spec, point[0])
	}
}

// ECDH implements KeyAgreement.
func (c *ecCurve) ECDH(priv *PrivateKey, pub *PublicKey) ([]byte, error) {
	if priv.curve != Curve(c) || pub.curve != Curve(c) {
		return nil, fmt.Errorf("curves: %s: ECDH with keys of another curve", c.spec)
	}
	var (
		shared []byte
		err    error
	)
	erasing(func() { shared, err = c.b.ecdh(priv.scalar, pub.point) })
	return shared, err
}
