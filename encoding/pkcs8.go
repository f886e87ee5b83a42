package encoding

import (
	"encoding/asn1"

	"github.com/ecdkp/ecdkp/curves"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// buildPKCS8 writes PrivateKeyInfo (RFC 5208) as OpenSSL 3 and Go's x509
// do: the inner ECPrivateKey carries the public key [1] and no [0].
//
//	SEQUENCE { INTEGER 0, SEQUENCE { id-ecPublicKey, namedCurve },
//	           OCTET STRING { ECPrivateKey } }
func buildPKCS8(b *cryptobyte.Builder, curveOID asn1.ObjectIdentifier, scalar, point []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0) // version v1
		addAlgorithm(b, curveOID)
		b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
			buildECPrivateKey(b, nil, scalar, point)
		})
	})
}

// MarshalPKCS8 returns the DER PKCS#8 PrivateKeyInfo of k, byte-identical to
// what OpenSSL 3 (`openssl pkcs8 -topk8 -nocrypt`) and Go's
// x509.MarshalPKCS8PrivateKey write. The result holds the scalar: wipe it
// (clear) when done.
func MarshalPKCS8(k *curves.PrivateKey) ([]byte, error) {
	l, err := privateLayouts(k, "PKCS#8")
	if err != nil {
		return nil, err
	}
	return l.pkcs8.appendKey(make([]byte, 0, len(l.pkcs8.der)), k, k.PublicKey(), "PKCS#8")
}

// AppendPKCS8 appends the DER PKCS#8 PrivateKeyInfo of k to dst. It grows
// dst at most once, before writing the scalar, so no copy of the scalar is
// left in memory the caller cannot wipe; with enough capacity in dst it does
// not allocate. On error it returns dst unchanged.
func AppendPKCS8(dst []byte, k *curves.PrivateKey) ([]byte, error) {
	l, err := privateLayouts(k, "PKCS#8")
	if err != nil {
		return dst, err
	}
	return l.pkcs8.appendKey(dst, k, k.PublicKey(), "PKCS#8")
}

func privateLayouts(k *curves.PrivateKey, what string) (*curveLayouts, error) {
	if k == nil || k.Curve() == nil {
		return nil, classed(ErrInvalidKey, what+": private key is nil or zero", nil)
	}
	return layoutsFor(k.Curve())
}

// ParsePKCS8 parses a DER PKCS#8 PrivateKeyInfo (version 0, no attributes)
// holding an id-ecPublicKey key on a registered named curve. The inner
// ECPrivateKey may omit the public key [1] (it is then computed) and may
// carry [0] parameters only if they name the same curve as the outer
// AlgorithmIdentifier; a scalar shorter than the curve's is left-padded.
func ParsePKCS8(der []byte) (*curves.PrivateKey, error) {
	input := cryptobyte.String(der)
	var info cryptobyte.String
	if !input.ReadASN1(&info, cbasn1.SEQUENCE) {
		return nil, malformed("PKCS#8 is not a DER SEQUENCE")
	}
	if !input.Empty() {
		return nil, malformed("PKCS#8 has trailing data")
	}
	var version cryptobyte.String
	if !info.ReadASN1(&version, cbasn1.INTEGER) {
		return nil, malformed("PKCS#8 version is not a DER INTEGER")
	}
	switch {
	case len(version) == 1 && version[0] == 0:
	case len(version) == 1 && version[0] == 1 && info.PeekASN1Tag(cbasn1.OCTET_STRING):
		return nil, malformed("PKCS#8 input is a SEC1 ECPrivateKey, not a PrivateKeyInfo")
	case len(version) == 1 && version[0] == 1:
		return nil, malformed("PKCS#8 version 1 (v2, OneAsymmetricKey) is not supported; want version 0")
	default:
		return nil, malformed("PKCS#8 version is not 0")
	}
	c, err := parseAlgorithm(&info, "PKCS#8")
	if err != nil {
		return nil, err
	}
	var inner cryptobyte.String
	if !info.ReadASN1(&inner, cbasn1.OCTET_STRING) {
		return nil, malformed("PKCS#8 privateKey is not a DER OCTET STRING")
	}
	if info.PeekASN1Tag(tagParameters) {
		return nil, malformed("PKCS#8 attributes are not supported")
	}
	if !info.Empty() {
		return nil, malformed("PKCS#8 has unexpected fields after privateKey")
	}
	return parseECPrivateKey(inner, c, "PKCS#8")
}
