package encoding_test

import (
	"encoding/asn1"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The five built-in specs, which every table below covers. A test fails if
// the registry stops listing one of them.
var builtinSpecs = []curves.Spec{curves.P256, curves.P384, curves.P521, curves.Secp256k1, curves.SM2}

var oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

// specs returns curves.Specs() after checking it holds the built-in ones.
func specs(t testing.TB) []curves.Spec {
	t.Helper()
	all := curves.Specs()
	require.Subset(t, all, builtinSpecs, "curves.Specs() lost a built-in spec")
	return all
}

func lookup(t testing.TB, spec curves.Spec) curves.Curve {
	t.Helper()
	c, err := curves.Lookup(spec)
	require.NoError(t, err)
	return c
}

// fixedScalar returns a deterministic scalar for c: a leading zero byte (so
// it is below the order of every curve) then a byte pattern seeded by seed.
func fixedScalar(c curves.Curve, seed byte) []byte {
	s := make([]byte, c.ScalarSize())
	for i := 1; i < len(s); i++ {
		s[i] = byte(i)*seed + 0x5a
	}
	return s
}

// fixedKey returns the deterministic private key of spec for seed.
func fixedKey(t testing.TB, spec curves.Spec, seed byte) *curves.PrivateKey {
	t.Helper()
	k, err := lookup(t, spec).NewPrivateKey(fixedScalar(lookup(t, spec), seed))
	require.NoError(t, err)
	return k
}

// DER building blocks for hand-made (often malformed) inputs.

func tlv(tag cbasn1.Tag, parts ...[]byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(tag, func(b *cryptobyte.Builder) {
		for _, p := range parts {
			b.AddBytes(p)
		}
	})
	return b.BytesOrPanic()
}

func seq(parts ...[]byte) []byte    { return tlv(cbasn1.SEQUENCE, parts...) }
func octets(parts ...[]byte) []byte { return tlv(cbasn1.OCTET_STRING, parts...) }
func explicit(n uint8, parts ...[]byte) []byte {
	return tlv(cbasn1.Tag(n).Constructed().ContextSpecific(), parts...)
}

func integer(v int64) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1Int64(v)
	return b.BytesOrPanic()
}

func oid(o asn1.ObjectIdentifier) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1ObjectIdentifier(o)
	return b.BytesOrPanic()
}

func bitString(unused byte, data []byte) []byte {
	return tlv(cbasn1.BIT_STRING, []byte{unused}, data)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// keyParts are the pieces of a key that the hand-made encodings vary.
type keyParts struct {
	curveOID asn1.ObjectIdentifier
	scalar   []byte
	point    []byte
}

func partsOf(k *curves.PrivateKey) keyParts {
	return keyParts{curveOID: k.Curve().OID(), scalar: k.Bytes(), point: k.PublicKey().Bytes()}
}

// algorithm is the AlgorithmIdentifier {id-ecPublicKey, namedCurve}.
func (p keyParts) algorithm() []byte { return seq(oid(oidECPublicKey), oid(p.curveOID)) }

// spki is a hand-built SubjectPublicKeyInfo.
func (p keyParts) spki() []byte { return seq(p.algorithm(), bitString(0, p.point)) }

// ecPrivateKey is a hand-built ECPrivateKey with the given optional fields.
func (p keyParts) ecPrivateKey(withParams, withPublic bool) []byte {
	fields := [][]byte{integer(1), octets(p.scalar)}
	if withParams {
		fields = append(fields, explicit(0, oid(p.curveOID)))
	}
	if withPublic {
		fields = append(fields, explicit(1, bitString(0, p.point)))
	}
	return seq(fields...)
}

// pkcs8 is a hand-built PrivateKeyInfo around inner.
func (p keyParts) pkcs8(inner []byte) []byte {
	return seq(integer(0), p.algorithm(), octets(inner))
}

// isEC reports whether spec's keys are EC keys (SEC 1 points, a SEC1 form).
func isEC(t testing.TB, spec curves.Spec) bool {
	t.Helper()
	return curves.TypeOf(lookup(t, spec)) == curves.EC
}

// ecSpecs returns the registered EC specs, for the tests of what only EC
// keys have: compressed points, ECPrivateKey leniencies.
func ecSpecs(t testing.TB) []curves.Spec {
	t.Helper()
	var out []curves.Spec
	for _, s := range specs(t) {
		if isEC(t, s) {
			out = append(out, s)
		}
	}
	return out
}

var (
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidX25519  = asn1.ObjectIdentifier{1, 3, 101, 110} // not registered
)

// edSPKI is a hand-built RFC 8410 SubjectPublicKeyInfo; algParams, when
// given, follow the OID.
func edSPKI(pub []byte, algParams ...[]byte) []byte {
	return seq(seq(append([][]byte{oid(oidEd25519)}, algParams...)...), bitString(0, pub))
}

// edPKCS8 is a hand-built RFC 8410 PrivateKeyInfo, version 0; extra fields
// follow the privateKey.
func edPKCS8(seed []byte, extra ...[]byte) []byte {
	return seq(append([][]byte{integer(0), seq(oid(oidEd25519)), octets(octets(seed))}, extra...)...)
}

// edPKCS8v2 is the OneAsymmetricKey form (version 1) with a [1] publicKey.
func edPKCS8v2(seed, pub []byte) []byte {
	return seq(integer(1), seq(oid(oidEd25519)), octets(octets(seed)), edPublicKeyField(pub))
}

// edPublicKeyField is OneAsymmetricKey's [1] IMPLICIT BIT STRING.
func edPublicKeyField(pub []byte) []byte {
	return tlv(cbasn1.Tag(1).ContextSpecific(), []byte{0}, pub)
}
