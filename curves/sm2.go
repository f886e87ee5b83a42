package curves

import (
	"crypto/rand"
	"encoding/asn1"

	gmecdh "github.com/emmansun/gmsm/ecdh"
	"github.com/emmansun/gmsm/sm2"
)

// sm2Curve is SM2 (GB/T 32918) on gmsm's constant-time sm2ec. Private keys
// are in [1, n-2]: GB/T 32918.1 excludes n-1 because SM2 signing divides by
// 1+d.
var sm2Curve = &ecCurve{SM2, asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}, 32, sm2Backend{gmecdh.P256()}}

type sm2Backend struct{ c gmecdh.Curve }

func (b sm2Backend) generate() ([]byte, []byte, error) {
	k, err := b.c.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return k.Bytes(), k.PublicKey().Bytes(), nil
}

func (b sm2Backend) publicKey(scalar []byte) ([]byte, error) {
	k, err := b.c.NewPrivateKey(scalar)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

func (b sm2Backend) checkUncompressed(point []byte) error {
	_, err := b.c.NewPublicKey(point)
	return err
}

func (b sm2Backend) decompress(point []byte) ([]byte, error) {
	return decompressWith(sm2.P256(), point, b.checkUncompressed)
}

func (b sm2Backend) ecdh(scalar, point []byte) ([]byte, error) {
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
