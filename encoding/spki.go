package encoding

import (
	"encoding/asn1"

	"github.com/ecdkp/ecdkp/curves"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// buildSPKI writes SubjectPublicKeyInfo (RFC 5280, RFC 5480):
//
//	SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve }, BIT STRING point }
func buildSPKI(b *cryptobyte.Builder, curveOID asn1.ObjectIdentifier, point []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addAlgorithm(b, curveOID)
		b.AddASN1BitString(point)
	})
}

// buildEdSPKI writes the SubjectPublicKeyInfo of an EdDSA key (RFC 8410, 4):
//
//	SEQUENCE { SEQUENCE { curve OID }, BIT STRING public key }
func buildEdSPKI(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, pub []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addEdAlgorithm(b, oid)
		b.AddASN1BitString(pub)
	})
}

// MarshalSPKI returns the DER SubjectPublicKeyInfo of k: id-ecPublicKey, the
// curve's named-curve OID and the uncompressed point; for an EdDSA key
// (Ed25519), the curve's OID alone and the 32-byte public key (RFC 8410).
func MarshalSPKI(k *curves.PublicKey) ([]byte, error) {
	l, err := publicLayouts(k)
	if err != nil {
		return nil, err
	}
	return l.spki.appendKey(make([]byte, 0, len(l.spki.der)), nil, k, "SPKI")
}

// AppendSPKI appends the DER SubjectPublicKeyInfo of k to dst, allocating
// only when dst lacks capacity. On error it returns dst unchanged.
func AppendSPKI(dst []byte, k *curves.PublicKey) ([]byte, error) {
	l, err := publicLayouts(k)
	if err != nil {
		return dst, err
	}
	return l.spki.appendKey(dst, nil, k, "SPKI")
}

func publicLayouts(k *curves.PublicKey) (*curveLayouts, error) {
	if k == nil || k.Curve() == nil {
		return nil, classed(ErrInvalidKey, "SPKI: public key is nil or zero", nil)
	}
	return layoutsFor(k.Curve())
}

// ParseSPKI parses a DER SubjectPublicKeyInfo with algorithm id-ecPublicKey
// and a named curve registered in package curves, or with the OID of a
// registered EdDSA curve (Ed25519, 1.3.101.112) and no parameters. An EC
// point may be compressed or uncompressed (the key keeps it uncompressed);
// an Ed25519 key must pass the curve's checks (see package curves). The BIT
// STRING must have no unused bits and nothing may follow any element.
func ParseSPKI(der []byte) (*curves.PublicKey, error) {
	input := cryptobyte.String(der)
	var spki cryptobyte.String
	if !input.ReadASN1(&spki, cbasn1.SEQUENCE) {
		return nil, malformed("SPKI is not a DER SEQUENCE")
	}
	if !input.Empty() {
		return nil, malformed("SPKI has trailing data")
	}
	c, err := parseAlgorithm(&spki, "SPKI")
	if err != nil {
		return nil, err
	}
	var bits cryptobyte.String
	if !spki.ReadASN1(&bits, cbasn1.BIT_STRING) {
		return nil, malformed("SPKI subjectPublicKey is not a DER BIT STRING")
	}
	if !spki.Empty() {
		return nil, malformed("SPKI has unexpected fields after subjectPublicKey")
	}
	point, err := bitStringPoint(bits, "SPKI subjectPublicKey")
	if err != nil {
		return nil, err
	}
	pub, err := c.NewPublicKey(point)
	if err != nil {
		return nil, classed(ErrInvalidKey, "SPKI public key rejected by the curve", err)
	}
	return pub, nil
}
