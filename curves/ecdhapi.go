package curves

import (
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
)

// ecdhAPIBackend is the backend of every curve whose package has
// crypto/ecdh's API shape (GenerateKey, NewPrivateKey, NewPublicKey over
// opaque key types): the NIST curves (crypto/ecdh, nist.go) and SM2 (gmsm's
// ecdh package, the same API over its own types, sm2.go). elliptic only
// decompresses points, which neither ecdh package accepts.
type ecdhAPIBackend[Priv ecdhPrivateKey[Pub], Pub ecdhPublicKey] struct {
	c   ecdhCurve[Priv, Pub]
	ell elliptic.Curve
}

type ecdhPublicKey interface{ Bytes() []byte }

type ecdhPrivateKey[Pub ecdhPublicKey] interface {
	Bytes() []byte
	PublicKey() Pub
	ECDH(remote Pub) ([]byte, error)
}

type ecdhCurve[Priv ecdhPrivateKey[Pub], Pub ecdhPublicKey] interface {
	GenerateKey(rand io.Reader) (Priv, error)
	NewPrivateKey(key []byte) (Priv, error)
	NewPublicKey(key []byte) (Pub, error)
}

func (b ecdhAPIBackend[Priv, Pub]) generate() ([]byte, []byte, error) {
	k, err := b.c.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return k.Bytes(), k.PublicKey().Bytes(), nil
}

func (b ecdhAPIBackend[Priv, Pub]) publicKey(scalar []byte) ([]byte, error) {
	k, err := b.c.NewPrivateKey(scalar)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

func (b ecdhAPIBackend[Priv, Pub]) checkUncompressed(point []byte) error {
	_, err := b.c.NewPublicKey(point)
	return err
}

func (b ecdhAPIBackend[Priv, Pub]) decompress(point []byte) ([]byte, error) {
	x, y := elliptic.UnmarshalCompressed(b.ell, point) //nolint:staticcheck // public data; the ecdh packages have no decompression
	if x == nil {
		return nil, errors.New("invalid compressed point")
	}
	size := (b.ell.Params().BitSize + 7) / 8
	full := make([]byte, 1+2*size)
	full[0] = 4
	x.FillBytes(full[1 : 1+size])
	y.FillBytes(full[1+size:])
	if err := b.checkUncompressed(full); err != nil {
		return nil, err
	}
	return full, nil
}

func (b ecdhAPIBackend[Priv, Pub]) ecdh(scalar, point []byte) ([]byte, error) {
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
