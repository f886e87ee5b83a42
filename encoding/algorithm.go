package encoding

import (
	"encoding/asn1"
	"fmt"

	"github.com/ecdkp/ecdkp/curves"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// oidPublicKeyEC is id-ecPublicKey (RFC 5480), the algorithm of every key
// this package writes, SM2 included (OpenSSL 3 writes SM2 keys that way).
var oidPublicKeyEC = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

// Context-specific tags of ECPrivateKey (RFC 5915) and PKCS#8 (RFC 5208).
var (
	tagParameters = cbasn1.Tag(0).Constructed().ContextSpecific() // ECPrivateKey [0] / PKCS#8 attributes [0]
	tagPublicKey  = cbasn1.Tag(1).Constructed().ContextSpecific() // ECPrivateKey [1]
)

// addAlgorithm writes the AlgorithmIdentifier {id-ecPublicKey, namedCurve}.
func addAlgorithm(b *cryptobyte.Builder, curveOID asn1.ObjectIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPublicKeyEC)
		b.AddASN1ObjectIdentifier(curveOID)
	})
}

// addEdAlgorithm writes the AlgorithmIdentifier of an EdDSA key: the
// curve's OID and no parameters (RFC 8410, 3: "the parameters MUST be
// absent").
func addEdAlgorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
	})
}

// parseAlgorithm reads an AlgorithmIdentifier from s and returns the
// registered curve it names: id-ecPublicKey with an EC curve's OID as
// namedCurve, or an EdDSA curve's OID without parameters. what names the
// enclosing format in errors.
func parseAlgorithm(s *cryptobyte.String, what string) (curves.Curve, error) {
	var alg cryptobyte.String
	if !s.ReadASN1(&alg, cbasn1.SEQUENCE) {
		return nil, malformed(what + " algorithm identifier is not a DER SEQUENCE")
	}
	var oid asn1.ObjectIdentifier
	if !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, malformed(what + " algorithm is not a DER OBJECT IDENTIFIER")
	}
	if !oid.Equal(oidPublicKeyEC) {
		if c, err := curves.LookupOID(oid); err == nil && curves.TypeOf(c) == curves.EdDSA {
			if !alg.Empty() {
				return nil, malformed(fmt.Sprintf("%s algorithm %s (%s) has parameters; RFC 8410 requires them absent", what, oid, c.Spec()))
			}
			return c, nil
		}
		return nil, classed(ErrUnsupportedAlgorithm,
			fmt.Sprintf("%s algorithm %s is not id-ecPublicKey (%s) or a registered EdDSA algorithm", what, oid, oidPublicKeyEC), nil)
	}
	curveOID, err := parseNamedCurve(&alg, what+" algorithm parameters")
	if err != nil {
		return nil, err
	}
	if !alg.Empty() {
		return nil, malformed(what + " algorithm identifier has trailing data")
	}
	return lookupCurve(curveOID, what)
}

// parseNamedCurve reads ECParameters (RFC 5480, SEC 1 C.2) and returns the
// namedCurve OID; specifiedCurve and implicitCurve are refused.
func parseNamedCurve(s *cryptobyte.String, what string) (asn1.ObjectIdentifier, error) {
	switch {
	case s.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER):
		var oid asn1.ObjectIdentifier
		if !s.ReadASN1ObjectIdentifier(&oid) {
			return nil, malformed(what + " hold a malformed curve OID")
		}
		return oid, nil
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		return nil, classed(ErrExplicitParameters,
			what+" spell out the curve (specifiedCurve); only named curves are accepted", nil)
	case s.PeekASN1Tag(cbasn1.NULL):
		return nil, malformed(what + " are NULL (implicitCurve); a named curve is required")
	case s.Empty():
		return nil, malformed(what + " are missing; a named curve is required")
	default:
		return nil, malformed(what + " are not a named-curve OID")
	}
}

// lookupCurve maps a named-curve OID to its registered curve, which must
// be an EC curve: an EdDSA key has no id-ecPublicKey or SEC 1 form.
func lookupCurve(oid asn1.ObjectIdentifier, what string) (curves.Curve, error) {
	c, err := curves.LookupOID(oid)
	if err != nil {
		return nil, classed(ErrUnknownCurve, what+" names a curve that is not registered", err)
	}
	if t := curves.TypeOf(c); t != curves.EC {
		return nil, classed(ErrUnsupportedAlgorithm, fmt.Sprintf(
			"%s names %s as an EC named curve; %s keys have no id-ecPublicKey or SEC 1 form (their algorithm is %s alone)", what, c.Spec(), t, oid), nil)
	}
	return c, nil
}

// bitStringPoint returns the contents of a BIT STRING holding an EC point,
// which must have no unused bits.
func bitStringPoint(bits cryptobyte.String, what string) ([]byte, error) {
	if len(bits) == 0 {
		return nil, malformed(what + " BIT STRING is empty")
	}
	if bits[0] != 0 {
		return nil, malformed(fmt.Sprintf("%s BIT STRING declares %d unused bits; want 0", what, bits[0]))
	}
	return bits[1:], nil
}
