package curves

import (
	"encoding/asn1"
	"errors"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// secp256k1Curve is SEC 2 secp256k1 on dcrd's field and scalar arithmetic.
var secp256k1Curve = &ecCurve{Secp256k1, asn1.ObjectIdentifier{1, 3, 132, 0, 10}, 32, k1Backend{}}

type k1Backend struct{}

func (k1Backend) generate() ([]byte, []byte, error) {
	k, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return nil, nil, err
	}
	defer k.Zero()
	scalar := k.Serialize()
	return scalar, k1Point(&k.Key), nil
}

func (k1Backend) publicKey(scalar []byte) ([]byte, error) {
	var s secp256k1.ModNScalar
	defer s.Zero()
	// SetByteSlice reduces mod n and accepts zero: check both here.
	if overflow := s.SetByteSlice(scalar); overflow || s.IsZero() {
		return nil, errors.New("scalar out of range")
	}
	return k1Point(&s), nil
}

// k1Point computes s*G once per key, uncompressed, in constant time (see
// secp256k1_ct.go). s is nonzero: both callers check it.
func k1Point(s *secp256k1.ModNScalar) []byte {
	var x, y secp256k1.FieldVal
	k1ScalarBaseMult(s, &x, &y)
	point := make([]byte, 65)
	point[0] = 4
	x.PutBytesUnchecked(point[1:33])
	y.PutBytesUnchecked(point[33:65])
	return point
}

func (k1Backend) checkUncompressed(point []byte) error {
	_, err := secp256k1.ParsePubKey(point)
	return err
}

func (k1Backend) decompress(point []byte) ([]byte, error) {
	p, err := secp256k1.ParsePubKey(point)
	if err != nil {
		return nil, err
	}
	return p.SerializeUncompressed(), nil
}

func (b k1Backend) ecdh(scalar, point []byte) ([]byte, error) {
	p, err := secp256k1.ParsePubKey(point)
	if err != nil {
		return nil, err
	}
	var k secp256k1.PrivateKey
	defer k.Zero()
	if overflow := k.Key.SetByteSlice(scalar); overflow || k.Key.IsZero() {
		return nil, errors.New("scalar out of range")
	}
	return secp256k1.GenerateSharedSecret(&k, p), nil
}
