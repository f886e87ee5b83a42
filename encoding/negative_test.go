package encoding_test

import (
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidSecp224r1 = asn1.ObjectIdentifier{1, 3, 132, 0, 33} // not registered
	oidP384      = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSM2       = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}
	derNULL      = []byte{0x05, 0x00}
)

// explicitParams is a (truncated but well-formed) specifiedCurve
// ECParameters: SEQUENCE { version 1, fieldID, curve, base, order }.
var explicitParams = seq(integer(1),
	seq(oid(asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}), integer(23)),
	seq(octets([]byte{1}), octets([]byte{2})), octets([]byte{4, 1, 2}), integer(29))

var (
	parseSPKI  = func(b []byte) error { _, err := encoding.ParseSPKI(b); return err }
	parsePKCS8 = func(b []byte) error { _, err := encoding.ParsePKCS8(b); return err }
	parseSEC1  = func(b []byte) error { _, err := encoding.ParseSEC1(b); return err }
)

// longForm re-encodes the outer length of der in a non-minimal long form.
func longForm(der []byte) []byte {
	hdr := 2
	if der[1]&0x80 != 0 {
		hdr += int(der[1] & 0x7f)
	}
	n := len(der) - hdr
	return cat([]byte{der[0], 0x82, byte(n >> 8), byte(n)}, der[hdr:])
}

// indefinite re-encodes der's outer element with BER indefinite length.
func indefinite(der []byte) []byte {
	hdr := 2
	if der[1]&0x80 != 0 {
		hdr += int(der[1] & 0x7f)
	}
	return cat([]byte{der[0], 0x80}, der[hdr:], []byte{0, 0})
}

func TestParseRejects(t *testing.T) {
	k := fixedKey(t, curves.P256, 3)
	other := fixedKey(t, curves.P256, 11)
	p := partsOf(k)
	size := len(p.scalar)

	offCurve := p
	offCurve.point = append([]byte(nil), p.point...)
	offCurve.point[len(offCurve.point)-1] ^= 1
	mismatched := p
	mismatched.point = other.PublicKey().Bytes()
	unknown := p
	unknown.curveOID = oidSecp224r1
	long := p
	long.scalar = cat([]byte{0}, p.scalar)
	empty := p
	empty.scalar = nil
	zero := p
	zero.scalar = make([]byte, size)

	full := p.ecPrivateKey(false, true) // the inner ECPrivateKey of our PKCS#8
	sec1 := p.ecPrivateKey(true, true)
	pkcs8 := p.pkcs8(full)
	alg := p.algorithm()
	pubBits := explicit(1, bitString(0, p.point))

	cases := []struct {
		name  string
		parse func([]byte) error
		in    []byte
		want  error
		msg   string // a substring the message must hold
	}{
		// SPKI
		{"SPKI empty input", parseSPKI, nil, encoding.ErrMalformed, "SPKI is not a DER SEQUENCE"},
		{"SPKI trailing data", parseSPKI, cat(p.spki(), []byte{0}), encoding.ErrMalformed, "SPKI has trailing data"},
		{"SPKI non-canonical length", parseSPKI, longForm(p.spki()), encoding.ErrMalformed, "not a DER SEQUENCE"},
		{"SPKI indefinite length", parseSPKI, indefinite(p.spki()), encoding.ErrMalformed, "not a DER SEQUENCE"},
		{"SPKI unknown curve OID", parseSPKI, unknown.spki(), encoding.ErrUnknownCurve, "1.3.132.0.33"},
		{"SPKI explicit parameters", parseSPKI, seq(seq(oid(oidECPublicKey), explicitParams), bitString(0, p.point)),
			encoding.ErrExplicitParameters, "specifiedCurve"},
		{"SPKI NULL parameters", parseSPKI, seq(seq(oid(oidECPublicKey), derNULL), bitString(0, p.point)),
			encoding.ErrMalformed, "implicitCurve"},
		{"SPKI missing parameters", parseSPKI, seq(seq(oid(oidECPublicKey)), bitString(0, p.point)),
			encoding.ErrMalformed, "missing"},
		{"SPKI extra field in algorithm", parseSPKI, seq(seq(oid(oidECPublicKey), oid(p.curveOID), derNULL), bitString(0, p.point)),
			encoding.ErrMalformed, "algorithm identifier has trailing data"},
		{"SPKI X25519 algorithm", parseSPKI, seq(seq(oid(oidX25519)), bitString(0, p.point[1:33])),
			encoding.ErrUnsupportedAlgorithm, "1.3.101.110"},
		{"SPKI Ed25519 named as an EC curve", parseSPKI, seq(seq(oid(oidECPublicKey), oid(oidEd25519)), bitString(0, p.point)),
			encoding.ErrUnsupportedAlgorithm, "ECC_NIST_EDWARDS25519 as an EC named curve"},
		{"SPKI RSA algorithm", parseSPKI, seq(seq(oid(oidRSA), derNULL), bitString(0, p.point)),
			encoding.ErrUnsupportedAlgorithm, "1.2.840.113549.1.1.1"},
		{"SPKI SM2 OID as algorithm", parseSPKI, seq(seq(oid(oidSM2), oid(oidSM2)), bitString(0, p.point)),
			encoding.ErrUnsupportedAlgorithm, "not id-ecPublicKey"},
		{"SPKI unused bits", parseSPKI, seq(alg, bitString(1, p.point)), encoding.ErrMalformed, "1 unused bits"},
		{"SPKI empty BIT STRING", parseSPKI, seq(alg, tlv(cbasn1.BIT_STRING)), encoding.ErrMalformed, "BIT STRING is empty"},
		{"SPKI OCTET STRING key", parseSPKI, seq(alg, octets(p.point)), encoding.ErrMalformed, "not a DER BIT STRING"},
		{"SPKI field after key", parseSPKI, cat(seq(alg, bitString(0, p.point), derNULL)), encoding.ErrMalformed, "unexpected fields"},
		{"SPKI point off curve", parseSPKI, offCurve.spki(), encoding.ErrInvalidKey, "rejected by the curve"},
		{"SPKI point at infinity", parseSPKI, seq(alg, bitString(0, []byte{0})), encoding.ErrInvalidKey, "infinity"},
		{"SPKI hybrid point", parseSPKI, seq(alg, bitString(0, cat([]byte{6}, p.point[1:]))), encoding.ErrInvalidKey, "hybrid"},
		{"SPKI short point", parseSPKI, seq(alg, bitString(0, p.point[:33])), encoding.ErrInvalidKey, "rejected by the curve"},

		// PKCS#8
		{"PKCS#8 empty input", parsePKCS8, nil, encoding.ErrMalformed, "PKCS#8 is not a DER SEQUENCE"},
		{"PKCS#8 trailing data", parsePKCS8, cat(pkcs8, []byte{0}), encoding.ErrMalformed, "PKCS#8 has trailing data"},
		{"PKCS#8 non-canonical length", parsePKCS8, longForm(pkcs8), encoding.ErrMalformed, "not a DER SEQUENCE"},
		{"PKCS#8 indefinite length", parsePKCS8, indefinite(pkcs8), encoding.ErrMalformed, "not a DER SEQUENCE"},
		{"PKCS#8 version 1 (v2)", parsePKCS8, seq(integer(1), alg, octets(full)), encoding.ErrMalformed, "v2"},
		{"PKCS#8 version 2", parsePKCS8, seq(integer(2), alg, octets(full)), encoding.ErrMalformed, "version is not 0"},
		{"PKCS#8 version non-canonical", parsePKCS8, seq([]byte{2, 2, 0, 0}, alg, octets(full)), encoding.ErrMalformed, "version is not 0"},
		{"PKCS#8 version missing", parsePKCS8, seq(alg, octets(full)), encoding.ErrMalformed, "version is not a DER INTEGER"},
		{"PKCS#8 attributes present", parsePKCS8, seq(integer(0), alg, octets(full), explicit(0, seq(oid(oidRSA), tlv(cbasn1.SET)))),
			encoding.ErrMalformed, "attributes are not supported"},
		{"PKCS#8 v2 public key field", parsePKCS8, seq(integer(0), alg, octets(full), tlv(cbasn1.Tag(1).ContextSpecific(), []byte{0}, p.point)),
			encoding.ErrMalformed, "unexpected fields after privateKey"},
		{"PKCS#8 privateKey not OCTET STRING", parsePKCS8, seq(integer(0), alg, bitString(0, full)), encoding.ErrMalformed, "not a DER OCTET STRING"},
		{"PKCS#8 unknown curve OID", parsePKCS8, unknown.pkcs8(full), encoding.ErrUnknownCurve, "not registered"},
		{"PKCS#8 explicit parameters", parsePKCS8, seq(integer(0), seq(oid(oidECPublicKey), explicitParams), octets(full)),
			encoding.ErrExplicitParameters, "specifiedCurve"},
		{"PKCS#8 X25519 algorithm", parsePKCS8, seq(integer(0), seq(oid(oidX25519)), octets(octets(p.scalar))),
			encoding.ErrUnsupportedAlgorithm, "1.3.101.110"},
		{"PKCS#8 Ed25519 named as an EC curve", parsePKCS8, seq(integer(0), seq(oid(oidECPublicKey), oid(oidEd25519)), octets(full)),
			encoding.ErrUnsupportedAlgorithm, "no id-ecPublicKey or SEC 1 form"},
		{"PKCS#8 inner [0] names another curve", parsePKCS8, p.pkcs8(seq(integer(1), octets(p.scalar), explicit(0, oid(oidP384)), pubBits)),
			encoding.ErrKeyMismatch, "[0] names curve 1.3.132.0.34"},
		{"PKCS#8 inner [0] explicit parameters", parsePKCS8, p.pkcs8(seq(integer(1), octets(p.scalar), explicit(0, explicitParams), pubBits)),
			encoding.ErrExplicitParameters, "specifiedCurve"},
		{"PKCS#8 inner [0] trailing data", parsePKCS8, p.pkcs8(seq(integer(1), octets(p.scalar), explicit(0, oid(p.curveOID), derNULL), pubBits)),
			encoding.ErrMalformed, "[0] parameters have trailing data"},
		{"PKCS#8 mismatched public key", parsePKCS8, p.pkcs8(mismatched.ecPrivateKey(false, true)), encoding.ErrKeyMismatch, "does not match"},
		{"PKCS#8 public key off curve", parsePKCS8, p.pkcs8(offCurve.ecPrivateKey(false, true)), encoding.ErrInvalidKey, "embedded public key rejected"},
		{"PKCS#8 public key unused bits", parsePKCS8, p.pkcs8(seq(integer(1), octets(p.scalar), explicit(1, bitString(4, p.point)))),
			encoding.ErrMalformed, "4 unused bits"},
		{"PKCS#8 public key not BIT STRING", parsePKCS8, p.pkcs8(seq(integer(1), octets(p.scalar), explicit(1, octets(p.point)))),
			encoding.ErrMalformed, "[1] publicKey is not a DER BIT STRING"},
		{"PKCS#8 inner version 0", parsePKCS8, p.pkcs8(seq(integer(0), octets(p.scalar), pubBits)), encoding.ErrMalformed, "ECPrivateKey version is not 1"},
		{"PKCS#8 inner trailing data", parsePKCS8, p.pkcs8(cat(full, []byte{0})), encoding.ErrMalformed, "ECPrivateKey has trailing data"},
		{"PKCS#8 inner unexpected field", parsePKCS8, p.pkcs8(seq(integer(1), octets(p.scalar), pubBits, explicit(2, derNULL))),
			encoding.ErrMalformed, "ECPrivateKey has unexpected fields"},
		{"PKCS#8 inner [1] before [0]", parsePKCS8, p.pkcs8(seq(integer(1), octets(p.scalar), pubBits, explicit(0, oid(p.curveOID)))),
			encoding.ErrMalformed, "ECPrivateKey has unexpected fields"},
		{"PKCS#8 scalar too long", parsePKCS8, p.pkcs8(long.ecPrivateKey(false, true)), encoding.ErrMalformed, "private scalar is 33 bytes"},
		{"PKCS#8 scalar empty", parsePKCS8, p.pkcs8(empty.ecPrivateKey(false, false)), encoding.ErrMalformed, "private scalar is 0 bytes"},
		{"PKCS#8 zero scalar", parsePKCS8, p.pkcs8(zero.ecPrivateKey(false, false)), encoding.ErrInvalidKey, "private scalar rejected"},
		{"PKCS#8 zero scalar with public key", parsePKCS8, p.pkcs8(zero.ecPrivateKey(false, true)), encoding.ErrInvalidKey, "private scalar rejected"},

		// SEC1
		{"SEC1 empty input", parseSEC1, nil, encoding.ErrMalformed, "SEC1 ECPrivateKey is not a DER SEQUENCE"},
		{"SEC1 trailing data", parseSEC1, cat(sec1, []byte{0}), encoding.ErrMalformed, "SEC1 ECPrivateKey has trailing data"},
		{"SEC1 non-canonical length", parseSEC1, longForm(sec1), encoding.ErrMalformed, "not a DER SEQUENCE"},
		{"SEC1 wrong version", parseSEC1, seq(integer(2), octets(p.scalar), explicit(0, oid(p.curveOID)), pubBits), encoding.ErrMalformed, "version is not 1"},
		{"SEC1 missing [0]", parseSEC1, full, encoding.ErrMalformed, "no [0] parameters"},
		{"SEC1 explicit parameters", parseSEC1, seq(integer(1), octets(p.scalar), explicit(0, explicitParams), pubBits),
			encoding.ErrExplicitParameters, "specifiedCurve"},
		{"SEC1 NULL parameters", parseSEC1, seq(integer(1), octets(p.scalar), explicit(0, derNULL), pubBits), encoding.ErrMalformed, "implicitCurve"},
		{"SEC1 unknown curve OID", parseSEC1, unknown.ecPrivateKey(true, true), encoding.ErrUnknownCurve, "not registered"},
		{"SEC1 mismatched public key", parseSEC1, mismatched.ecPrivateKey(true, true), encoding.ErrKeyMismatch, "does not match"},
		{"SEC1 zero scalar", parseSEC1, zero.ecPrivateKey(true, false), encoding.ErrInvalidKey, "private scalar rejected"},
		{"SEC1 scalar too long", parseSEC1, long.ecPrivateKey(true, true), encoding.ErrMalformed, "private scalar is 33 bytes"},
		{"SEC1 unused bits", parseSEC1, seq(integer(1), octets(p.scalar), explicit(0, oid(p.curveOID)), explicit(1, bitString(1, p.point))),
			encoding.ErrMalformed, "1 unused bits"},
		{"SEC1 naming Ed25519 in [0]", parseSEC1, seq(integer(1), octets(p.scalar), explicit(0, oid(oidEd25519))),
			encoding.ErrUnsupportedAlgorithm, "no id-ecPublicKey or SEC 1 form"},
		{"SEC1 given as PKCS#8", parsePKCS8, sec1, encoding.ErrMalformed, "PKCS#8 input is a SEC1 ECPrivateKey"},
		{"PKCS#8 given as SEC1", parseSEC1, pkcs8, encoding.ErrMalformed, "SEC1 input is a PKCS#8 PrivateKeyInfo"},
	}
	secret := strings.ToLower(hex.EncodeToString(p.scalar))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assertClassified(t, err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "encoding: "), err.Error())
			assert.NotContains(t, strings.ToLower(err.Error()), secret, "message leaks the scalar")
		})
	}

	// The curves error is reachable through the wrap.
	_, err := encoding.ParseSPKI(offCurve.spki())
	assert.ErrorIs(t, err, curves.ErrInvalidPublicKey)
	_, err = encoding.ParsePKCS8(p.pkcs8(zero.ecPrivateKey(false, false)))
	assert.ErrorIs(t, err, curves.ErrInvalidPrivateKey)
	_, err = encoding.ParseSPKI(unknown.spki())
	assert.ErrorIs(t, err, curves.ErrUnknownOID)
}

// groupOrder returns n for each built-in spec.
func groupOrder(t *testing.T, spec curves.Spec) *big.Int {
	hexN := map[curves.Spec]string{
		curves.Secp256k1: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
		curves.SM2:       "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123",
	}
	switch spec {
	case curves.P256:
		return elliptic.P256().Params().N
	case curves.P384:
		return elliptic.P384().Params().N
	case curves.P521:
		return elliptic.P521().Params().N
	}
	n, ok := new(big.Int).SetString(hexN[spec], 16)
	require.True(t, ok, "no order for %s", spec)
	return n
}

// TestParseRejectsOutOfRangeScalars: zero and scalars at or above the order
// are ErrInvalidKey on every curve, in PKCS#8 and SEC1 alike.
func TestParseRejectsOutOfRangeScalars(t *testing.T) {
	for _, spec := range builtinSpecs {
		t.Run(string(spec), func(t *testing.T) {
			c := lookup(t, spec)
			size := c.ScalarSize()
			n := groupOrder(t, spec)
			bad := map[string]*big.Int{
				"zero": big.NewInt(0),
				"n":    n,
				"n+1":  new(big.Int).Add(n, big.NewInt(1)),
				"max":  new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(8*size)), big.NewInt(1)),
				"2n-1": new(big.Int).Sub(new(big.Int).Lsh(n, 1), big.NewInt(1)),
			}
			if spec == curves.SM2 {
				// GB/T 32918.1 keys are in [1, n-2].
				bad["n-1"] = new(big.Int).Sub(n, big.NewInt(1))
			}
			for name, v := range bad {
				if v.BitLen() > 8*size {
					continue
				}
				p := keyParts{curveOID: c.OID(), scalar: v.FillBytes(make([]byte, size))}
				_, err := encoding.ParsePKCS8(p.pkcs8(p.ecPrivateKey(false, false)))
				assert.ErrorIs(t, err, encoding.ErrInvalidKey, "PKCS#8 scalar %s", name)
				_, err = encoding.ParseSEC1(p.ecPrivateKey(true, false))
				assert.ErrorIs(t, err, encoding.ErrInvalidKey, "SEC1 scalar %s", name)
			}
		})
	}
}

// TestParseRejectsTruncations: every proper prefix of a valid encoding is
// ErrMalformed, for every curve and format.
func TestParseRejectsTruncations(t *testing.T) {
	for _, spec := range specs(t) {
		t.Run(string(spec), func(t *testing.T) {
			k := fixedKey(t, spec, 3)
			spki, err := encoding.MarshalSPKI(k.PublicKey())
			require.NoError(t, err)
			p8, err := encoding.MarshalPKCS8(k)
			require.NoError(t, err)
			type format struct {
				name  string
				der   []byte
				parse func([]byte) error
			}
			formats := []format{{"SPKI", spki, parseSPKI}, {"PKCS#8", p8, parsePKCS8}}
			if isEC(t, spec) { // an EdDSA key has no SEC1
				sec1, err := encoding.MarshalSEC1(k)
				require.NoError(t, err)
				formats = append(formats, format{"SEC1", sec1, parseSEC1})
			}
			n, total := 0, 0
			for _, f := range formats {
				total += len(f.der)
				require.NoError(t, f.parse(f.der))
				for i := range len(f.der) {
					err := f.parse(f.der[:i:i])
					if !assert.ErrorIs(t, err, encoding.ErrMalformed, "%s truncated to %d of %d bytes", f.name, i, len(f.der)) {
						return
					}
					n++
				}
			}
			assert.Equal(t, total, n)
		})
	}
}

func TestParsePEMRejects(t *testing.T) {
	k := fixedKey(t, curves.P256, 3)
	spkiPEM, err := encoding.MarshalSPKIPEM(k.PublicKey())
	require.NoError(t, err)
	p8PEM, err := encoding.MarshalPKCS8PEM(k)
	require.NoError(t, err)
	sec1, err := encoding.MarshalSEC1(k)
	require.NoError(t, err)
	p8, err := encoding.MarshalPKCS8(k)
	require.NoError(t, err)

	parsePKCS8PEM := func(b []byte) error { _, err := encoding.ParsePKCS8PEM(b); return err }
	parseSEC1PEM := func(b []byte) error { _, err := encoding.ParseSEC1PEM(b); return err }
	parseSPKIPEM := func(b []byte) error { _, err := encoding.ParseSPKIPEM(b); return err }

	cases := []struct {
		name  string
		parse func([]byte) error
		in    []byte
		msg   string
	}{
		{"not PEM", parsePKCS8PEM, p8, "not a PEM block"},
		{"empty", parseSPKIPEM, nil, "not a PEM block"},
		{"text before the block", parseSPKIPEM, cat([]byte("key:\n"), spkiPEM), "not a PEM block"},
		{"wrong block type", parsePKCS8PEM, spkiPEM, `PEM block type is "PUBLIC KEY", want "PRIVATE KEY"`},
		{"SEC1 type for PKCS#8", parsePKCS8PEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: p8}), `want "PRIVATE KEY"`},
		{"trailing data", parsePKCS8PEM, cat(p8PEM, []byte("junk")), "trailing data after the PEM block"},
		{"second block", parsePKCS8PEM, cat(p8PEM, spkiPEM), "more than one PEM BEGIN line"},
		{"trailing text", parsePKCS8PEM, cat(p8PEM, []byte("junk")), "trailing data after the PEM block"},
		{"headers", parsePKCS8PEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: p8}),
			"headers are not supported"},
		{"bad base64", parseSPKIPEM, []byte("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n"), "PEM block is malformed"},
		{"no END line", parseSPKIPEM, spkiPEM[:len(spkiPEM)-25], "PEM block is malformed"},
		{"malformed DER inside", parseSPKIPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{0x30, 0x00}}), "SPKI"},
		{"SM2 PRIVATE KEY holding P-256", parseSEC1PEM, pem.EncodeToMemory(&pem.Block{Type: "SM2 PRIVATE KEY", Bytes: sec1}), "holds a ECC_NIST_P256 key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.in)
			assert.ErrorIs(t, err, encoding.ErrMalformed)
			assertClassified(t, err)
			if err != nil {
				assert.Contains(t, err.Error(), tc.msg)
			}
		})
	}
}

// TestPEMSkippedBlock: pem.Decode skips a malformed block and decodes the
// next one; the PEM parsers refuse such input instead of decoding a key
// from behind junk (found by FuzzParsePEM).
func TestPEMSkippedBlock(t *testing.T) {
	c, err := curves.Lookup(curves.P256)
	require.NoError(t, err)
	k, err := c.GenerateKey()
	require.NoError(t, err)
	good, err := encoding.MarshalPKCS8PEM(k)
	require.NoError(t, err)
	for _, prefix := range []string{
		"-----BEGIN junk\n",
		"-----BEGIN PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nnot base64 !!\n-----END PRIVATE KEY-----\n",
	} {
		_, err := encoding.ParsePKCS8PEM(append([]byte(prefix), good...))
		assert.ErrorIs(t, err, encoding.ErrMalformed, "%q", prefix)
	}
	_, err = encoding.ParsePKCS8PEM(good)
	assert.NoError(t, err)
}
