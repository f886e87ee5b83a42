package encoding

import (
	"encoding/asn1"
	"fmt"

	"github.com/ecdkp/ecdkp/curves"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// buildECPrivateKey writes ECPrivateKey (RFC 5915, SEC 1 C.4), with the [0]
// named curve when curveOID is not nil and always with the [1] public key:
//
//	SEQUENCE { INTEGER 1, OCTET STRING scalar, [0] { namedCurve } OPTIONAL,
//	           [1] { BIT STRING point } }
func buildECPrivateKey(b *cryptobyte.Builder, curveOID asn1.ObjectIdentifier, scalar, point []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1) // ecPrivkeyVer1
		b.AddASN1OctetString(scalar)
		if curveOID != nil {
			b.AddASN1(tagParameters, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(curveOID)
			})
		}
		b.AddASN1(tagPublicKey, func(b *cryptobyte.Builder) {
			b.AddASN1BitString(point)
		})
	})
}

// MarshalSEC1 returns the DER SEC 1 ECPrivateKey of k with the [0] named
// curve and the [1] public key, byte-identical to what `openssl ec
// -outform DER` writes. The result holds the scalar: wipe it when done.
// An EdDSA key (Ed25519) has no SEC 1 form: ErrUnsupportedAlgorithm.
func MarshalSEC1(k *curves.PrivateKey) ([]byte, error) {
	l, err := privateLayouts(k, "SEC1")
	if err != nil {
		return nil, err
	}
	if l.sec1.der == nil {
		return nil, errNoSEC1
	}
	return l.sec1.appendKey(make([]byte, 0, len(l.sec1.der)), k, k.PublicKey(), "SEC1")
}

// AppendSEC1 appends the DER SEC 1 ECPrivateKey of k to dst, on the same
// terms as AppendPKCS8; it refuses an EdDSA key as MarshalSEC1 does.
func AppendSEC1(dst []byte, k *curves.PrivateKey) ([]byte, error) {
	l, err := privateLayouts(k, "SEC1")
	if err != nil {
		return dst, err
	}
	if l.sec1.der == nil {
		return dst, errNoSEC1
	}
	return l.sec1.appendKey(dst, k, k.PublicKey(), "SEC1")
}

// ParseSEC1 parses a DER SEC 1 ECPrivateKey (RFC 5915). The [0] parameters
// must name a registered EC curve (an EdDSA curve's OID there is
// ErrUnsupportedAlgorithm); the [1] public key is optional and, when
// present, must match the scalar. A scalar shorter than the curve's is
// left-padded.
func ParseSEC1(der []byte) (*curves.PrivateKey, error) {
	return parseECPrivateKey(der, nil, "SEC1")
}

// parseECPrivateKey parses an ECPrivateKey. outer is the curve the enclosing
// PKCS#8 names, or nil for a bare SEC1 key, which must then name its curve
// in [0]. what names the format in errors.
func parseECPrivateKey(der cryptobyte.String, outer curves.Curve, what string) (*curves.PrivateKey, error) {
	var s cryptobyte.String
	if !der.ReadASN1(&s, cbasn1.SEQUENCE) {
		return nil, malformed(what + " ECPrivateKey is not a DER SEQUENCE")
	}
	if !der.Empty() {
		return nil, malformed(what + " ECPrivateKey has trailing data")
	}
	var version, scalar, params, pubField cryptobyte.String
	var hasParams, hasPub bool
	if !s.ReadASN1(&version, cbasn1.INTEGER) {
		return nil, malformed(what + " ECPrivateKey version is not a DER INTEGER")
	}
	if len(version) != 1 || version[0] != 1 {
		if outer == nil && len(version) == 1 && version[0] == 0 && s.PeekASN1Tag(cbasn1.SEQUENCE) {
			return nil, malformed(what + " input is a PKCS#8 PrivateKeyInfo, not an ECPrivateKey")
		}
		return nil, malformed(what + " ECPrivateKey version is not 1")
	}
	if !s.ReadASN1(&scalar, cbasn1.OCTET_STRING) {
		return nil, malformed(what + " ECPrivateKey privateKey is not a DER OCTET STRING")
	}
	if !s.ReadOptionalASN1(&params, &hasParams, tagParameters) {
		return nil, malformed(what + " ECPrivateKey [0] parameters are not DER")
	}
	if !s.ReadOptionalASN1(&pubField, &hasPub, tagPublicKey) {
		return nil, malformed(what + " ECPrivateKey [1] publicKey is not DER")
	}
	if !s.Empty() {
		return nil, malformed(what + " ECPrivateKey has unexpected fields")
	}

	c := outer
	switch {
	case hasParams:
		oid, err := parseNamedCurve(&params, what+" ECPrivateKey [0] parameters")
		if err != nil {
			return nil, err
		}
		if !params.Empty() {
			return nil, malformed(what + " ECPrivateKey [0] parameters have trailing data")
		}
		if outer == nil {
			if c, err = lookupCurve(oid, what); err != nil {
				return nil, err
			}
		} else if !oid.Equal(outer.OID()) {
			return nil, classed(ErrKeyMismatch, fmt.Sprintf(
				"%s ECPrivateKey [0] names curve %s but the algorithm names %s", what, oid, outer.OID()), nil)
		}
	case outer == nil:
		return nil, malformed(what + " ECPrivateKey has no [0] parameters; a named curve is required")
	}

	var point []byte
	if hasPub {
		var bits cryptobyte.String
		if !pubField.ReadASN1(&bits, cbasn1.BIT_STRING) || !pubField.Empty() {
			return nil, malformed(what + " ECPrivateKey [1] publicKey is not a DER BIT STRING")
		}
		var err error
		if point, err = bitStringPoint(bits, what+" ECPrivateKey publicKey"); err != nil {
			return nil, err
		}
	}

	k, err := newPrivateKey(c, scalar, what)
	if err != nil {
		return nil, err
	}
	if hasPub {
		pub, err := c.NewPublicKey(point)
		if err != nil {
			k.Destroy()
			return nil, classed(ErrInvalidKey, what+" embedded public key rejected by the curve", err)
		}
		if !pub.Equal(k.PublicKey()) {
			k.Destroy()
			return nil, classed(ErrKeyMismatch, what+" embedded public key does not match the private scalar", nil)
		}
	}
	return k, nil
}

// newPrivateKey builds a key from a DER scalar, left-padding one shorter
// than the curve's (some producers strip leading zeros) in a buffer it
// wipes. Longer or empty scalars are malformed.
func newPrivateKey(c curves.Curve, scalar []byte, what string) (*curves.PrivateKey, error) {
	size := c.ScalarSize()
	if len(scalar) == 0 || len(scalar) > size {
		return nil, malformed(fmt.Sprintf("%s private scalar is %d bytes; %s needs at most %d",
			what, len(scalar), c.Spec(), size))
	}
	padded := make([]byte, size)
	defer clear(padded) // NewPrivateKey copies the scalar
	copy(padded[size-len(scalar):], scalar)
	k, err := c.NewPrivateKey(padded)
	if err != nil {
		return nil, classed(ErrInvalidKey, what+" private scalar rejected by the curve", err)
	}
	return k, nil
}
