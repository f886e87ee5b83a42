package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/nitrotest"
)

// TestAWSNitroEnclavesRootG1 pins the built-in AWS root to the fingerprint
// AWS publishes, independently of the table's own SHA256 field.
func TestAWSNitroEnclavesRootG1(t *testing.T) {
	roots := BuiltinRoots()
	require.Len(t, roots, 1)
	assert.Equal(t, "AWS Nitro Enclaves Root-G1", roots[0].Name)
	root, err := roots[0].certificate()
	require.NoError(t, err)
	sum := sha256.Sum256(root.Raw)
	assert.Equal(t, "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b", hex.EncodeToString(sum[:]))
	assert.Equal(t, "aws.nitro-enclaves", root.Subject.CommonName)
	assert.True(t, root.IsCA)
	assert.Equal(t, time.Date(2049, 10, 28, 14, 28, 5, 0, time.UTC), root.NotAfter)
	def := DefaultRoots()
	require.Len(t, def, 1, "DefaultRoots holds the built-in roots")
	assert.True(t, def[0].Equal(root))
	def[0] = nil
	assert.NotNil(t, DefaultRoots()[0], "a new slice each call")
	certs, err := Certificates(roots...)
	require.NoError(t, err)
	require.Len(t, certs, 1)
	assert.True(t, certs[0].Equal(root))
}

func TestBuiltinRootsIsACopy(t *testing.T) {
	roots := BuiltinRoots()
	roots[0].Name, roots[0].PEM = "changed", ""
	assert.Equal(t, "AWS Nitro Enclaves Root-G1", BuiltinRoots()[0].Name)
	_, err := BuiltinRoots()[0].certificate()
	assert.NoError(t, err)
}

func TestFingerprint(t *testing.T) {
	want := sha256.Sum256([]byte("x"))
	colons := hexColons(want[:])
	assert.Equal(t, want, fingerprint(colons))
	assert.Equal(t, want, fingerprint(hex.EncodeToString(want[:])))
	for _, bad := range []string{"", "64:1A", colons + ":00", "zz" + colons[2:]} {
		assert.Panics(t, func() { fingerprint(bad) }, bad)
	}
}

// testPEM encodes DER certificates as one PEM bundle.
func testPEM(ders ...[]byte) string {
	var sb strings.Builder
	for _, der := range ders {
		sb.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return sb.String()
}

func TestParseRootsPEM(t *testing.T) {
	p := nitrotest.NewPKI(t)
	other := nitrotest.NewPKI(t)
	roots, err := ParseRootsPEM([]byte("\n  " + testPEM(other.RootDER) + "\r\n\n" + testPEM(p.RootDER) + "\n\n"))
	require.NoError(t, err)
	require.Len(t, roots, 2)
	assert.Equal(t, "CN=test.nitro-enclaves,OU=AWS,O=Amazon,C=US", roots[1].Name)
	assert.Equal(t, sha256.Sum256(p.RootDER), roots[1].SHA256)
	assert.Equal(t, testPEM(p.RootDER), roots[1].PEM)
	assert.Equal(t, sha256.Sum256(other.RootDER), roots[0].SHA256)

	// The roots verify documents of their PKI.
	certs, err := Certificates(roots...)
	require.NoError(t, err)
	v, err := NewNSMVerifier(certs, WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	_, spki := nitrotest.RSA(t, 2048)
	_, err = v.Verify(p.Doc(t, p.Fields(spki)))
	assert.NoError(t, err)
	_, err = v.Verify(other.Doc(t, other.Fields(spki)))
	assert.NoError(t, err)
	_, err = v.Verify(nitrotest.NewPKI(t).Doc(t, p.Fields(spki)))
	assert.ErrorIs(t, err, ErrInvalid, "a third PKI's document")
}

func TestParseRootsPEMRejects(t *testing.T) {
	p := nitrotest.NewPKI(t)
	root := testPEM(p.RootDER)
	key := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}))
	withHeaders := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: p.RootDER}))
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "attest: PEM bundle: holds no certificate"},
		{"white space only", " \n\t\n", "holds no certificate"},
		{"DER, not PEM", string(p.RootDER), "block 1: text outside a PEM block"},
		{"text before", "root:\n" + root, "block 1: text outside a PEM block"},
		{"text between", root + "and\n" + root, "block 2: text outside a PEM block"},
		{"text after", root + root + "# end\n", "block 3: text outside a PEM block"},
		{"a private key", root + key, `block 2: PEM type is "PRIVATE KEY", not CERTIFICATE`},
		{"PEM headers", withHeaders, "block 1: CERTIFICATE has PEM headers"},
		{"no END line", strings.TrimSuffix(root, "-----END CERTIFICATE-----\n"), "block 1: not a well-formed PEM block"},
		{"bad base64", strings.Replace(root, "M", "!", 1), "block 1: not a well-formed PEM block"},
		{"not a certificate", testPEM([]byte{0x30, 0x03, 0x02, 0x01, 0x01}), "block 1: not a DER X.509 certificate"},
		{"a leaf, not a CA", root + testPEM(p.LeafDER), `block 2: certificate "CN=i-0123456789abcdef0-enc0123456789abcdef.test,OU=AWS,O=Amazon,"... is not a CA certificate`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			roots, err := ParseRootsPEM([]byte(tc.in))
			require.Error(t, err)
			assert.Nil(t, roots)
			assert.ErrorContains(t, err, tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "attest: PEM bundle: "), err.Error())
		})
	}
}

func TestCertificatesRejects(t *testing.T) {
	p := nitrotest.NewPKI(t)
	good := Root{Name: "test", PEM: testPEM(p.RootDER), SHA256: sha256.Sum256(p.RootDER)}
	_, err := Certificates(good)
	require.NoError(t, err)
	tests := []struct {
		name  string
		roots []Root
		want  string
	}{
		{"no roots", nil, "attest: Certificates: no roots"},
		{"another fingerprint", []Root{good, {Name: "pinned", PEM: good.PEM, SHA256: sha256.Sum256(nil)}},
			`attest: root "pinned": certificate fingerprint is SHA-256 ` + hexColons(good.SHA256[:]) + ", not the pinned E3:B0:C4"},
		{"no fingerprint", []Root{{Name: "unpinned", PEM: good.PEM}}, `root "unpinned": certificate fingerprint is SHA-256`},
		{"two certificates", []Root{{Name: "two", PEM: good.PEM + good.PEM, SHA256: good.SHA256}}, `root "two": PEM holds 2 certificates, want one`},
		{"empty PEM", []Root{{Name: "empty", SHA256: good.SHA256}}, `root "empty": PEM holds no certificate`},
		{"a leaf", []Root{{Name: "leaf", PEM: testPEM(p.LeafDER), SHA256: sha256.Sum256(p.LeafDER)}}, `root "leaf": PEM block 1: certificate`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			certs, err := Certificates(tc.roots...)
			require.Error(t, err)
			assert.Nil(t, certs)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
