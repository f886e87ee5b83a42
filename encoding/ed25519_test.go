package encoding_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
)

// The examples of RFC 8410, 10.1 (public key) and 10.3 (private key, and
// the same key in the v2 form with an attribute and the public key).
const (
	rfc8410SPKI      = "302a300506032b657003210019bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
	rfc8410PKCS8     = "302e020100300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
	rfc8410PKCS8v2   = "3072020101300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842a01f301d060a2a864886f70d01090914310f0c0d437572646c652043686169727381210019bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
	rfc8410PKCS8PEM  = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"
	rfc8410SPKIPEM   = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
	rfc8410Seed      = "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
	rfc8410PublicKey = "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
)

func mustUnhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestEd25519RFC8410Examples(t *testing.T) {
	k, err := encoding.ParsePKCS8(mustUnhex(t, rfc8410PKCS8))
	require.NoError(t, err)
	assert.Equal(t, curves.Ed25519, k.Curve().Spec())
	assert.Equal(t, mustUnhex(t, rfc8410Seed), k.Bytes())
	assert.Equal(t, mustUnhex(t, rfc8410PublicKey), k.PublicKey().Bytes())

	p8, err := encoding.MarshalPKCS8(k)
	require.NoError(t, err)
	assert.Equal(t, mustUnhex(t, rfc8410PKCS8), p8)
	spki, err := encoding.MarshalSPKI(k.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, mustUnhex(t, rfc8410SPKI), spki)
	pub, err := encoding.ParseSPKI(mustUnhex(t, rfc8410SPKI))
	require.NoError(t, err)
	assert.True(t, pub.Equal(k.PublicKey()))

	p, err := encoding.MarshalPKCS8PEM(k)
	require.NoError(t, err)
	assert.Equal(t, rfc8410PKCS8PEM, string(p))
	p, err = encoding.MarshalSPKIPEM(k.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, rfc8410SPKIPEM, string(p))
	fromPEM, err := encoding.ParsePKCS8PEM([]byte(rfc8410PKCS8PEM))
	require.NoError(t, err)
	assert.True(t, fromPEM.Equal(k))
	pubPEM, err := encoding.ParseSPKIPEM([]byte(rfc8410SPKIPEM))
	require.NoError(t, err)
	assert.True(t, pubPEM.Equal(k.PublicKey()))

	// The v2 example carries an attribute, which no key of ours has.
	_, err = encoding.ParsePKCS8(mustUnhex(t, rfc8410PKCS8v2))
	assert.ErrorIs(t, err, encoding.ErrMalformed)
	assert.ErrorContains(t, err, "attributes are not supported")

	c := lookup(t, curves.Ed25519)
	n, err := encoding.SPKILen(c)
	require.NoError(t, err)
	assert.Equal(t, 44, n)
	n, err = encoding.PKCS8Len(c)
	require.NoError(t, err)
	assert.Equal(t, 48, n)
}

// TestEd25519GoX509Interop: crypto/x509 writes the bytes we write and reads
// ours to the same key.
func TestEd25519GoX509Interop(t *testing.T) {
	for name, k := range testKeys(t, curves.Ed25519) {
		t.Run(name, func(t *testing.T) {
			std := ed25519.NewKeyFromSeed(k.Bytes())
			want, err := x509.MarshalPKCS8PrivateKey(std)
			require.NoError(t, err)
			got, err := encoding.MarshalPKCS8(k)
			require.NoError(t, err)
			assert.Equal(t, want, got, "PKCS#8")
			want, err = x509.MarshalPKIXPublicKey(std.Public())
			require.NoError(t, err)
			gotPub, err := encoding.MarshalSPKI(k.PublicKey())
			require.NoError(t, err)
			assert.Equal(t, want, gotPub, "SPKI")

			back, err := x509.ParsePKCS8PrivateKey(got)
			require.NoError(t, err)
			assert.Equal(t, std, back)
			backPub, err := x509.ParsePKIXPublicKey(gotPub)
			require.NoError(t, err)
			assert.Equal(t, std.Public(), backPub)
		})
	}
}

// TestEd25519PKCS8v2: the OneAsymmetricKey form with a [1] publicKey is
// read when the public key is the seed's, and re-encoded as version 0.
func TestEd25519PKCS8v2(t *testing.T) {
	k := fixedKey(t, curves.Ed25519, 3)
	other := fixedKey(t, curves.Ed25519, 11)
	seed, pub := k.Bytes(), k.PublicKey().Bytes()

	got, err := encoding.ParsePKCS8(edPKCS8v2(seed, pub))
	require.NoError(t, err)
	assert.True(t, got.Equal(k))
	assert.True(t, got.PublicKey().Equal(k.PublicKey()))
	canonical, err := encoding.MarshalPKCS8(got)
	require.NoError(t, err)
	assert.Equal(t, edPKCS8(seed), canonical, "re-encoded in OpenSSL's form, version 0")

	smallOrder := mustUnhex(t, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
	for _, tc := range []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"another key's public key", edPKCS8v2(seed, other.PublicKey().Bytes()), encoding.ErrKeyMismatch, "does not match the seed"},
		{"public key of order 8", edPKCS8v2(seed, smallOrder), encoding.ErrInvalidKey, "prime-order subgroup"},
		{"public key 31 bytes", edPKCS8v2(seed, pub[:31]), encoding.ErrInvalidKey, "must be 32 bytes"},
		{"public key with unused bits", seq(integer(1), seq(oid(oidEd25519)), octets(octets(seed)),
			tlv(cbasn1.Tag(1).ContextSpecific(), []byte{1}, pub)), encoding.ErrMalformed, "1 unused bits"},
		{"public key [1] constructed", seq(integer(1), seq(oid(oidEd25519)), octets(octets(seed)), explicit(1, bitString(0, pub))),
			encoding.ErrMalformed, "unexpected fields after privateKey"},
		{"public key empty", seq(integer(1), seq(oid(oidEd25519)), octets(octets(seed)), tlv(cbasn1.Tag(1).ContextSpecific())),
			encoding.ErrMalformed, "BIT STRING is empty"},
		{"version 1 without a public key", seq(integer(1), seq(oid(oidEd25519)), octets(octets(seed))), encoding.ErrMalformed, "has no [1] publicKey"},
		{"version 0 with a public key", edPKCS8(seed, edPublicKeyField(pub)), encoding.ErrMalformed, "version 0 has a [1] publicKey"},
		{"public key twice", seq(integer(1), seq(oid(oidEd25519)), octets(octets(seed)), edPublicKeyField(pub), edPublicKeyField(pub)),
			encoding.ErrMalformed, "unexpected fields after privateKey"},
		{"attributes before the public key", seq(integer(1), seq(oid(oidEd25519)), octets(octets(seed)), explicit(0), edPublicKeyField(pub)),
			encoding.ErrMalformed, "attributes are not supported"},
	} {
		_, err := encoding.ParsePKCS8(tc.in)
		assert.ErrorIs(t, err, tc.want, tc.name)
		assert.ErrorContains(t, err, tc.msg, tc.name)
		assertClassified(t, err)
	}
}

func TestEd25519ParseRejects(t *testing.T) {
	k := fixedKey(t, curves.Ed25519, 3)
	seed, pub := k.Bytes(), k.PublicKey().Bytes()
	spki := edSPKI(pub)
	p8 := edPKCS8(seed)
	unreduced := bytes.Repeat([]byte{0xff}, 32)
	unreduced[0], unreduced[31] = 0xee, 0x7f // p+1
	identity := append([]byte{1}, make([]byte, 31)...)
	ecP256 := fixedKey(t, curves.P256, 3)
	ecInner := partsOf(ecP256).ecPrivateKey(false, true)

	cases := []struct {
		name  string
		parse func([]byte) error
		in    []byte
		want  error
		msg   string
	}{
		{"SPKI NULL parameters", parseSPKI, edSPKI(pub, derNULL), encoding.ErrMalformed, "RFC 8410 requires them absent"},
		{"SPKI OID parameters", parseSPKI, edSPKI(pub, oid(oidEd25519)), encoding.ErrMalformed, "RFC 8410 requires them absent"},
		{"SPKI X25519 algorithm", parseSPKI, seq(seq(oid(oidX25519)), bitString(0, pub)), encoding.ErrUnsupportedAlgorithm, "1.3.101.110"},
		{"SPKI id-ecPublicKey with the Ed25519 OID", parseSPKI, seq(seq(oid(oidECPublicKey), oid(oidEd25519)), bitString(0, pub)),
			encoding.ErrUnsupportedAlgorithm, "as an EC named curve"},
		{"SPKI key 31 bytes", parseSPKI, edSPKI(pub[:31]), encoding.ErrInvalidKey, "must be 32 bytes"},
		{"SPKI key 33 bytes", parseSPKI, edSPKI(append(bytes.Clone(pub), 0)), encoding.ErrInvalidKey, "must be 32 bytes"},
		{"SPKI key with a SEC 1 prefix", parseSPKI, edSPKI(append([]byte{4}, pub...)), encoding.ErrInvalidKey, "must be 32 bytes"},
		{"SPKI unused bits", parseSPKI, seq(seq(oid(oidEd25519)), bitString(1, pub)), encoding.ErrMalformed, "1 unused bits"},
		{"SPKI OCTET STRING key", parseSPKI, seq(seq(oid(oidEd25519)), octets(pub)), encoding.ErrMalformed, "not a DER BIT STRING"},
		{"SPKI unreduced y", parseSPKI, edSPKI(unreduced), encoding.ErrInvalidKey, "not canonical"},
		{"SPKI identity", parseSPKI, edSPKI(identity), encoding.ErrInvalidKey, "identity"},
		{"SPKI field after key", parseSPKI, seq(seq(oid(oidEd25519)), bitString(0, pub), derNULL), encoding.ErrMalformed, "unexpected fields"},
		{"SPKI trailing data", parseSPKI, cat(spki, []byte{0}), encoding.ErrMalformed, "trailing data"},

		{"PKCS#8 NULL parameters", parsePKCS8, seq(integer(0), seq(oid(oidEd25519), derNULL), octets(octets(seed))),
			encoding.ErrMalformed, "RFC 8410 requires them absent"},
		{"PKCS#8 seed not in an inner OCTET STRING", parsePKCS8, seq(integer(0), seq(oid(oidEd25519)), octets(seed)),
			encoding.ErrMalformed, "not a DER OCTET STRING holding the seed"},
		{"PKCS#8 ECPrivateKey inside", parsePKCS8, seq(integer(0), seq(oid(oidEd25519)), octets(ecInner)),
			encoding.ErrMalformed, "not a DER OCTET STRING holding the seed"},
		{"PKCS#8 trailing byte after the seed", parsePKCS8, seq(integer(0), seq(oid(oidEd25519)), octets(octets(seed), []byte{0})),
			encoding.ErrMalformed, "not a DER OCTET STRING holding the seed"},
		{"PKCS#8 seed 31 bytes", parsePKCS8, edPKCS8(seed[:31]), encoding.ErrMalformed, "seed is 31 bytes; want 32"},
		{"PKCS#8 seed 33 bytes", parsePKCS8, edPKCS8(append(bytes.Clone(seed), 1)), encoding.ErrMalformed, "seed is 33 bytes; want 32"},
		{"PKCS#8 64-byte crypto/ed25519 key as the seed", parsePKCS8, edPKCS8(ed25519.NewKeyFromSeed(seed)), encoding.ErrMalformed, "seed is 64 bytes"},
		{"PKCS#8 zero seed", parsePKCS8, edPKCS8(make([]byte, 32)), encoding.ErrInvalidKey, "seed rejected by the curve"},
		{"PKCS#8 attributes", parsePKCS8, edPKCS8(seed, explicit(0)), encoding.ErrMalformed, "attributes are not supported"},
		{"PKCS#8 version 2", parsePKCS8, seq(integer(2), seq(oid(oidEd25519)), octets(octets(seed))), encoding.ErrMalformed, "version is not 0"},
		{"PKCS#8 trailing data", parsePKCS8, cat(p8, []byte{0}), encoding.ErrMalformed, "trailing data"},
		{"PKCS#8 id-ecPublicKey with the Ed25519 OID", parsePKCS8, seq(integer(0), seq(oid(oidECPublicKey), oid(oidEd25519)), octets(octets(seed))),
			encoding.ErrUnsupportedAlgorithm, "as an EC named curve"},

		{"SEC1 naming Ed25519", parseSEC1, seq(integer(1), octets(seed), explicit(0, oid(oidEd25519)), explicit(1, bitString(0, pub))),
			encoding.ErrUnsupportedAlgorithm, "no id-ecPublicKey or SEC 1 form"},
		{"SEC1 given an Ed25519 PKCS#8", parseSEC1, p8, encoding.ErrMalformed, "PKCS#8 PrivateKeyInfo"},
	}
	secret := hex.EncodeToString(seed)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.in)
			assert.ErrorIs(t, err, tc.want)
			assertClassified(t, err)
			assert.ErrorContains(t, err, tc.msg)
			if err != nil {
				assert.NotContains(t, strings.ToLower(err.Error()), secret, "message leaks the seed")
			}
		})
	}
	// The valid forms these are built from parse.
	require.NoError(t, parseSPKI(spki))
	require.NoError(t, parsePKCS8(p8))
}

// TestEd25519PEM: the PEM block types are PKCS#8's and SPKI's; an Ed25519
// PKCS#8 in an "EC PRIVATE KEY" block is refused.
func TestEd25519PEM(t *testing.T) {
	k := fixedKey(t, curves.Ed25519, 5)
	der, err := encoding.MarshalPKCS8(k)
	require.NoError(t, err)
	p, err := encoding.MarshalPKCS8PEM(k)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(p, []byte("-----BEGIN PRIVATE KEY-----\n")))
	_, err = encoding.ParseSEC1PEM(pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypeSEC1, Bytes: der}))
	assert.ErrorIs(t, err, encoding.ErrMalformed)
	_, err = encoding.ParsePKCS8PEM(pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypeSEC1, Bytes: der}))
	assert.ErrorIs(t, err, encoding.ErrMalformed)
}
