package curves

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"encoding/asn1"
)

// The NIST curves run on crypto/ecdh (constant time, FIPS 140-3 validated
// code).
var (
	nistP256 = &ecCurve{P256, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, 32, nistBackend(ecdh.P256(), elliptic.P256())}
	nistP384 = &ecCurve{P384, asn1.ObjectIdentifier{1, 3, 132, 0, 34}, 48, nistBackend(ecdh.P384(), elliptic.P384())}
	nistP521 = &ecCurve{P521, asn1.ObjectIdentifier{1, 3, 132, 0, 35}, 66, nistBackend(ecdh.P521(), elliptic.P521())}
)

func nistBackend(c ecdh.Curve, ell elliptic.Curve) backend {
	return ecdhAPIBackend[*ecdh.PrivateKey, *ecdh.PublicKey]{c, ell}
}
