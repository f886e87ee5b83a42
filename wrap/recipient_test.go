package wrap

import (
	"context"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/wrap/attest"
	"github.com/ecdkp/ecdkp/wrap/internal/cms"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRecipient returns a recipient wrapper and unwrapper for a fresh RSA
// key of bits.
func testRecipient(t testing.TB, bits int) (Wrapper, Unwrapper, *rsa.PrivateKey) {
	t.Helper()
	priv, spki := nitrotest.RSA(t, bits)
	w, err := NewRecipientWrapper(&attest.Document{PublicKey: spki}, KeyEncryptionRSAESOAEPSHA256)
	require.NoError(t, err)
	u, err := NewRecipientUnwrapper(priv)
	require.NoError(t, err)
	return w, u, priv
}

func TestRecipientRoundTripEverySpec(t *testing.T) {
	w, u, _ := testRecipient(t, 2048)
	ctx := context.Background()
	n := 0
	for _, spec := range curves.Specs() {
		t.Run(string(spec), func(t *testing.T) {
			pkcs8 := testPKCS8(t, spec)
			env, err := w.Wrap(ctx, pkcs8, []byte("aad"))
			require.NoError(t, err)
			assert.Equal(t, []byte{0x30, 0x80, 0x06, 0x09}, env[:4], "BER ContentInfo as KMS writes it")
			got, err := u.Unwrap(ctx, env, nil)
			require.NoError(t, err)
			assert.Equal(t, pkcs8, got)
			// The AAD is not bound: CMS has no place for it.
			got, err = u.Unwrap(ctx, env, []byte("another aad"))
			require.NoError(t, err)
			assert.Equal(t, pkcs8, got)
			// Fresh key and IV each time.
			env2, err := w.Wrap(ctx, pkcs8, nil)
			require.NoError(t, err)
			assert.NotEqual(t, env, env2)
		})
		n++
	}
	assert.Equal(t, 6, n, "curves.Specs(): Huawei's five and Ed25519")
}

func TestRecipientRoundTripSizes(t *testing.T) {
	ctx := context.Background()
	for _, bits := range []int{2048, 3072, 4096} {
		w, u, priv := testRecipient(t, bits)
		for _, size := range []int{0, 1, 15, 16, 17, 138, 241, 1000} {
			pt := make([]byte, size)
			_, _ = rand.Read(pt)
			env, err := w.Wrap(ctx, pt, nil)
			require.NoError(t, err)
			e, err := cms.Parse(env)
			require.NoError(t, err)
			assert.Len(t, e.EncryptedKey, priv.Size())
			assert.Equal(t, RecipientKeyIdentifier(&priv.PublicKey), e.KeyID)
			assert.Len(t, e.Content, (size/16+1)*16)
			got, err := u.Unwrap(ctx, env, nil)
			require.NoError(t, err)
			assert.Equal(t, pt, got, "%d-bit key, %d bytes", bits, size)
		}
	}
}

func TestRecipientKeyIdentifier(t *testing.T) {
	priv, spki := nitrotest.RSA(t, 2048)
	id := RecipientKeyIdentifier(&priv.PublicKey)
	assert.Len(t, id, 20)
	// SHA-1 of the SPKI's subjectPublicKey BIT STRING contents.
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	rest, err := asn1.Unmarshal(spki, &info)
	require.NoError(t, err)
	require.Empty(t, rest)
	sum := sha1.Sum(info.PublicKey.Bytes)
	assert.Equal(t, sum[:], id)
}

func TestNewRecipientWrapperRejects(t *testing.T) {
	_, rsa1024 := nitrotest.RSA(t, 1024)
	ecKey := nitrotest.Key(t, elliptic.P256())
	ecSPKI, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	require.NoError(t, err)
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edSPKI, err := x509.MarshalPKIXPublicKey(edPub)
	require.NoError(t, err)
	synthetic := func(n *big.Int, e int) []byte {
		der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: e})
		require.NoError(t, err)
		return der
	}
	odd := func(bits int) *big.Int {
		n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
		return n.Add(n, big.NewInt(12345))
	}
	_, good := nitrotest.RSA(t, 2048)

	tests := []struct {
		name string
		att  *attest.Document
		alg  string
		is   error
		want string
	}{
		{"unknown algorithm", &attest.Document{PublicKey: good}, "RSAES_OAEP_SHA_1", ErrUnsupportedAlgorithm, `key_encryption_algorithm "RSAES_OAEP_SHA_1"`},
		{"empty algorithm", &attest.Document{PublicKey: good}, "", ErrUnsupportedAlgorithm, "the only one supported is RSAES_OAEP_SHA_256"},
		{"lower-case algorithm", &attest.Document{PublicKey: good}, "rsaes_oaep_sha_256", ErrUnsupportedAlgorithm, "key_encryption_algorithm"},
		{"no attestation", nil, KeyEncryptionRSAESOAEPSHA256, ErrInvalidAttestation, "no public_key"},
		{"no public_key", &attest.Document{}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidAttestation, "no public_key"},
		{"garbage public_key", &attest.Document{PublicKey: []byte("not DER")}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey,
			"not a DER SubjectPublicKeyInfo"},
		{"ECDSA public_key", &attest.Document{PublicKey: ecSPKI}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey, "is a ECDSA key"},
		{"Ed25519 public_key", &attest.Document{PublicKey: edSPKI}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey, "is a Ed25519 key"},
		{"RSA 1024", &attest.Document{PublicKey: rsa1024}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey, "RSA key of 1024 bits"},
		{"RSA 2047", &attest.Document{PublicKey: synthetic(odd(2047), 65537)}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey,
			"RSA key of 2047 bits; RSAES_OAEP_SHA_256 needs 2048 to 4096 bits"},
		{"RSA 4097", &attest.Document{PublicKey: synthetic(odd(4097), 65537)}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey,
			"RSA key of 4097 bits"},
		{"even modulus", &attest.Document{PublicKey: synthetic(new(big.Int).Add(odd(2048), big.NewInt(1)), 65537)}, KeyEncryptionRSAESOAEPSHA256,
			ErrInvalidWrappingKey, "even modulus"},
		{"even exponent", &attest.Document{PublicKey: synthetic(odd(2048), 65536)}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey,
			"invalid public exponent"},
		{"exponent 1", &attest.Document{PublicKey: synthetic(odd(2048), 1)}, KeyEncryptionRSAESOAEPSHA256, ErrInvalidWrappingKey,
			"invalid public exponent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewRecipientWrapper(tc.att, tc.alg)
			require.Error(t, err)
			assert.Nil(t, w)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNewRecipientUnwrapperRejects(t *testing.T) {
	_, err := NewRecipientUnwrapper(nil)
	assert.ErrorIs(t, err, ErrInvalidWrappingKey)
	small, _ := nitrotest.RSA(t, 1024)
	_, err = NewRecipientUnwrapper(small)
	assert.ErrorIs(t, err, ErrInvalidWrappingKey)
	assert.ErrorContains(t, err, "RSA key of 1024 bits")
}

func TestRecipientUnwrapRejects(t *testing.T) {
	ctx := context.Background()
	w, u, _ := testRecipient(t, 2048)
	_, other, _ := testRecipient(t, 2048)
	pkcs8 := testPKCS8(t, curves.P256)
	env, err := w.Wrap(ctx, pkcs8, nil)
	require.NoError(t, err)
	e, err := cms.Parse(env)
	require.NoError(t, err)
	reencode := func(mutate func(e *cms.Envelope)) []byte {
		c := *e
		c.EncryptedKey = append([]byte{}, e.EncryptedKey...)
		c.Content = append([]byte{}, e.Content...)
		mutate(&c)
		b, err := c.Marshal()
		require.NoError(t, err)
		return b
	}

	tests := []struct {
		name string
		env  []byte
		u    Unwrapper
		is   error
		want string
	}{
		{"another recipient", env, other, ErrDecrypt, "for another recipient"},
		{"tampered encryptedKey", reencode(func(e *cms.Envelope) { e.EncryptedKey[7] ^= 1 }), u, ErrDecrypt, "does not open with this RSA key"},
		{"short encryptedKey", reencode(func(e *cms.Envelope) { e.EncryptedKey = e.EncryptedKey[1:] }), u, ErrMalformedEnvelope,
			"encryptedKey is 255 bytes, want 256"},
		{"bad padding", reencode(func(e *cms.Envelope) { e.Content[len(e.Content)-17] ^= 0x80 }), u, ErrDecrypt, "bad padding"},
		{"content not whole blocks", reencode(func(e *cms.Envelope) { e.Content = e.Content[:len(e.Content)-1] }), u, ErrMalformedEnvelope,
			"not a positive multiple of 16"},
		{"empty content", reencode(func(e *cms.Envelope) { e.Content = nil }), u, ErrMalformedEnvelope, "not a positive multiple of 16"},
		{"garbage", []byte("garbage"), u, ErrMalformedEnvelope, "CMS EnvelopedData"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := tc.u.Unwrap(ctx, tc.env, nil)
			require.Error(t, err)
			assert.Nil(t, pt)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	// Every prefix fails to parse; bit flips never panic and, when they fail,
	// fail with one of the two classes. (CBC is unauthenticated: a flip in the
	// IV or in a content block before the last garbles the plaintext without
	// an error; the RSA-OAEP key wrap is what only the enclave can open.)
	for i := range len(env) {
		_, err := u.Unwrap(ctx, env[:i], nil)
		require.ErrorIs(t, err, ErrMalformedEnvelope, "prefix of %d bytes", i)
	}
	for i := range len(env) {
		bad := append([]byte{}, env...)
		bad[i] ^= 0x10
		if _, err := u.Unwrap(ctx, bad, nil); err != nil {
			assert.True(t, isOneOf(err, ErrMalformedEnvelope, ErrDecrypt), "byte %d: %v", i, err)
		}
	}
}

// testOpenSSL returns the openssl binary, skipping when it is absent.
func testOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not found in PATH; skipping the OpenSSL interoperability test (CI has OpenSSL 3.0)")
	}
	return path
}

// testRecipientFiles writes the enclave key as PKCS#8 PEM and a
// self-signed certificate whose SubjectKeyIdentifier is the envelope's rid.
func testRecipientFiles(t *testing.T, dir string, priv *rsa.PrivateKey) (keyPath, certPath string) {
	t.Helper()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	keyPath = filepath.Join(dir, "enclave.pem")
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		SubjectKeyId: RecipientKeyIdentifier(&priv.PublicKey),
		KeyUsage:     x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	certPath = filepath.Join(dir, "enclave.crt")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return keyPath, certPath
}

// TestRecipientOpenSSLDecrypts has OpenSSL open our envelopes, with the key
// alone (OpenSSL tries it on every recipient) and with -recip matching the
// subjectKeyIdentifier.
func TestRecipientOpenSSLDecrypts(t *testing.T) {
	openssl := testOpenSSL(t)
	ctx := context.Background()
	w, _, priv := testRecipient(t, 2048)
	dir := t.TempDir()
	keyPath, certPath := testRecipientFiles(t, dir, priv)
	n := 0
	for _, spec := range curves.Specs() {
		pkcs8 := testPKCS8(t, spec)
		env, err := w.Wrap(ctx, pkcs8, nil)
		require.NoError(t, err)
		ctPath := filepath.Join(dir, string(spec)+".der")
		require.NoError(t, os.WriteFile(ctPath, env, 0o600))
		for _, extra := range [][]string{nil, {"-recip", certPath}} {
			args := append([]string{"cms", "-decrypt", "-inform", "DER", "-in", ctPath, "-inkey", keyPath, "-binary"}, extra...)
			out, err := exec.Command(openssl, args...).Output()
			require.NoError(t, err, "openssl %v: %s", args, testStderr(err))
			assert.Equal(t, pkcs8, out, "%s %v", spec, extra)
			n++
		}
	}
	assert.Equal(t, 2*len(curves.Specs()), n)

	// The structure OpenSSL prints names what AWS KMS uses.
	out, err := exec.Command(openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", filepath.Join(dir, "SM2.der")).Output()
	require.NoError(t, err, testStderr(err))
	for _, want := range []string{"pkcs7-envelopedData", "version: 2", "d.subjectKeyIdentifier", "rsaesOaep", "sha256", "mgf1",
		"aes-256-cbc", "pkcs7-data", "originatorInfo: <ABSENT>", "unprotectedAttrs:\n      <ABSENT>"} {
		assert.Contains(t, string(out), want)
	}
}

// TestRecipientOpensOpenSSLEnvelopes opens envelopes OpenSSL makes to the
// same recipient, in DER and in streamed (indefinite-length) BER.
func TestRecipientOpensOpenSSLEnvelopes(t *testing.T) {
	openssl := testOpenSSL(t)
	ctx := context.Background()
	_, u, priv := testRecipient(t, 3072)
	dir := t.TempDir()
	_, certPath := testRecipientFiles(t, dir, priv)
	pkcs8 := testPKCS8(t, curves.P384)
	ptPath := filepath.Join(dir, "pt.der")
	require.NoError(t, os.WriteFile(ptPath, pkcs8, 0o600))
	for _, stream := range []bool{false, true} {
		args := []string{"cms", "-encrypt", "-binary", "-in", ptPath, "-outform", "DER", "-aes-256-cbc", "-recip", certPath, "-keyid",
			"-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256"}
		if stream {
			args = append(args, "-stream")
		}
		env, err := exec.Command(openssl, args...).Output()
		require.NoError(t, err, "openssl %v: %s", args, testStderr(err))
		if stream {
			assert.Equal(t, []byte{0x30, 0x80}, env[:2], "indefinite length")
		}
		got, err := u.Unwrap(ctx, env, nil)
		require.NoError(t, err, "stream=%v", stream)
		assert.Equal(t, pkcs8, got)
	}
}

func testStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

func BenchmarkRecipientWrapP256(b *testing.B) {
	_, spki := nitrotest.RSA(b, 2048)
	w, err := NewRecipientWrapper(&attest.Document{PublicKey: spki}, KeyEncryptionRSAESOAEPSHA256)
	require.NoError(b, err)
	pkcs8 := testPKCS8(b, curves.P256)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Wrap(ctx, pkcs8, nil); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	_ Wrapper   = (*recipientWrapper)(nil)
	_ Unwrapper = (*recipientUnwrapper)(nil)
)
