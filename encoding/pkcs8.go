package encoding

import (
	"encoding/asn1"
	"fmt"

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

// buildEdPKCS8 writes the PrivateKeyInfo of an EdDSA key as OpenSSL 3
// (`openssl genpkey -algorithm ed25519 -outform DER`) and Go's x509 do
// (RFC 8410, 7): version 0, no attributes, no public key.
//
//	SEQUENCE { INTEGER 0, SEQUENCE { curve OID },
//	           OCTET STRING { OCTET STRING seed } }
func buildEdPKCS8(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, seed []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		addEdAlgorithm(b, oid)
		b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(seed)
		})
	})
}

// MarshalPKCS8 returns the DER PKCS#8 PrivateKeyInfo of k, byte-identical to
// what OpenSSL 3 (`openssl pkcs8 -topk8 -nocrypt`) and Go's
// x509.MarshalPKCS8PrivateKey write, for EC and EdDSA keys alike. The
// result holds the scalar (seed): wipe it (clear) when done.
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
// holding an id-ecPublicKey key on a registered named curve, or an EdDSA
// key (Ed25519). The inner ECPrivateKey may omit the public key [1] (it is
// then computed) and may carry [0] parameters only if they name the same
// curve as the outer AlgorithmIdentifier; a scalar shorter than the curve's
// is left-padded.
//
// An EdDSA key is RFC 8410's: the algorithm without parameters and an inner
// OCTET STRING holding exactly the seed. It is also read in RFC 5958's v2
// form (OneAsymmetricKey, version 1, as BouncyCastle writes it), whose [1]
// publicKey must then be present and be the seed's public key; OpenSSL 3.0
// reads no v2 key, and v2 stays refused for EC keys.
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
	v2 := false
	switch {
	case len(version) == 1 && version[0] == 0:
	case len(version) == 1 && version[0] == 1 && info.PeekASN1Tag(cbasn1.OCTET_STRING):
		return nil, malformed("PKCS#8 input is a SEC1 ECPrivateKey, not a PrivateKeyInfo")
	case len(version) == 1 && version[0] == 1:
		peek := info
		if c, err := parseAlgorithm(&peek, "PKCS#8"); err != nil || curves.TypeOf(c) != curves.EdDSA {
			return nil, malformed("PKCS#8 version 1 (v2, OneAsymmetricKey) is not supported for EC keys; want version 0")
		}
		v2 = true
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
	if curves.TypeOf(c) == curves.EdDSA {
		return parseEdPrivateKey(inner, &info, c, v2)
	}
	if !info.Empty() {
		return nil, malformed("PKCS#8 has unexpected fields after privateKey")
	}
	return parseECPrivateKey(inner, c, "PKCS#8")
}

// tagOAKPublicKey is OneAsymmetricKey's [1] IMPLICIT BIT STRING publicKey
// (RFC 5958).
var tagOAKPublicKey = cbasn1.Tag(1).ContextSpecific()

// parseEdPrivateKey reads the rest of an EdDSA PKCS#8: inner is the
// privateKey OCTET STRING's contents, CurvePrivateKey ::= OCTET STRING (the
// seed), and rest what follows it, which may only be a v2 key's publicKey.
func parseEdPrivateKey(inner cryptobyte.String, rest *cryptobyte.String, c curves.Curve, v2 bool) (*curves.PrivateKey, error) {
	var pubBits cryptobyte.String
	hasPub := rest.PeekASN1Tag(tagOAKPublicKey)
	if hasPub && !rest.ReadASN1(&pubBits, tagOAKPublicKey) {
		return nil, malformed("PKCS#8 [1] publicKey is not DER")
	}
	if !rest.Empty() {
		return nil, malformed("PKCS#8 has unexpected fields after privateKey")
	}
	switch {
	case hasPub && !v2:
		return nil, malformed("PKCS#8 version 0 has a [1] publicKey; RFC 5958 wants version 1 (v2) with it")
	case v2 && !hasPub:
		return nil, malformed("PKCS#8 version 1 (v2) has no [1] publicKey")
	}
	var seed cryptobyte.String
	if !inner.ReadASN1(&seed, cbasn1.OCTET_STRING) || !inner.Empty() {
		return nil, malformed(fmt.Sprintf("PKCS#8 %s privateKey is not a DER OCTET STRING holding the seed (RFC 8410 CurvePrivateKey)", c.Spec()))
	}
	if len(seed) != c.ScalarSize() {
		return nil, malformed(fmt.Sprintf("PKCS#8 %s seed is %d bytes; want %d", c.Spec(), len(seed), c.ScalarSize()))
	}
	var point []byte
	if hasPub {
		var err error
		if point, err = bitStringPoint(pubBits, "PKCS#8 [1] publicKey"); err != nil {
			return nil, err
		}
	}
	k, err := c.NewPrivateKey(seed)
	if err != nil {
		return nil, classed(ErrInvalidKey, "PKCS#8 seed rejected by the curve", err)
	}
	if hasPub {
		pub, err := c.NewPublicKey(point)
		if err != nil {
			k.Destroy()
			return nil, classed(ErrInvalidKey, "PKCS#8 embedded public key rejected by the curve", err)
		}
		if !pub.Equal(k.PublicKey()) {
			k.Destroy()
			return nil, classed(ErrKeyMismatch, "PKCS#8 embedded public key does not match the seed", nil)
		}
	}
	return k, nil
}
