package curves

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
)

var (
	nistP256 = &ecCurve{P256, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, 32, nistBackend{ecdh.P256(), elliptic.P256()}}
	nistP384 = &ecCurve{P384, asn1.ObjectIdentifier{1, 3, 132, 0, 34}, 48, nistBackend{ecdh.P384(), elliptic.P384()}}
	nistP521 = &ecCurve{P521, asn1.ObjectIdentifier{1, 3, 132, 0, 35}, 66, nistBackend{ecdh.P521(), elliptic.P521()}}
)

// nistBackend is crypto/ecdh (constant time, FIPS-validated code); elliptic
// only decompresses points, which crypto/ecdh refuses.
type nistBackend struct {
	c   ecdh.Curve
	ell elliptic.Curve
}

func (b nistBackend) generate() ([]byte, []byte, error) {
	k, err := b.c.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return k.Bytes(), k.PublicKey().Bytes(), nil
}

func (b nistBackend) publicKey(scalar []byte) ([]byte, error) {
	k, err := b.c.NewPrivateKey(scalar)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

func (b nistBackend) checkUncompressed(point []byte) error {
	_, err := b.c.NewPublicKey(point)
	return err
}

func (b nistBackend) decompress(point []byte) ([]byte, error) {
	return decompressWith(b.ell, point, b.checkUncompressed)
}

func (b nistBackend) ecdh(scalar, point []byte) ([]byte, error) {
	k, err := b.c.NewPrivateKey(scalar)
	if err != nil {
		return nil, err
	}
	p, err := b.c.NewPublicKey(point)
	if err != nil {
		return nil, err
	}
	return k.ECDH(p)
}

// decompressWith decompresses with an elliptic.Curve (only public data is
// involved) and validates the result with the constant-time backend.
func decompressWith(ell elliptic.Curve, point []byte, check func([]byte) error) ([]byte, error) {
	x, y := elliptic.UnmarshalCompressed(ell, point) //nolint:staticcheck // public data; crypto/ecdh has no decompression
	if x == nil {
		return nil, errors.New("invalid compressed point")
	}
	size := (ell.Params().BitSize + 7) / 8
	full := make([]byte, 1+2*size)
	full[0] = 4
	x.FillBytes(full[1 : 1+size])
	y.FillBytes(full[1+size:])
	if err := check(full); err != nil {
		return nil, err
	}
	return full, nil
}
