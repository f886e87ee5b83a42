package wrap

import (
	"context"
	"crypto/aes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/wycheproof"
	"github.com/ecdkp/ecdkp/wrap/internal/kwp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRSAOAEPWycheproof(t *testing.T) {
	for _, name := range []string{
		"rsa_oaep_2048_sha256_mgf1sha256_test.json",
		"rsa_oaep_3072_sha256_mgf1sha256_test.json",
	} {
		t.Run(name, func(t *testing.T) {
			f := wycheproof.Load(t, name)
			var valid, invalid int
			for _, g := range f.TestGroups {
				require.Equal(t, "SHA-256", g.SHA)
				require.Equal(t, "SHA-256", g.MGFSHA)
				k, err := x509.ParsePKCS8PrivateKey(g.PrivateKeyPKCS8)
				require.NoError(t, err)
				priv, ok := k.(*rsa.PrivateKey)
				require.True(t, ok, "group key is %T", k)
				require.Equal(t, g.KeySize, priv.N.BitLen())
				for _, tc := range g.Tests {
					pt, err := rsaOAEPDecrypt(priv, tc.CT, tc.Label)
					switch tc.Result {
					case "valid":
						valid++
						require.NoError(t, err, "tcId %d (%s)", tc.TcID, tc.Comment)
						assert.Equal(t, []byte(tc.Msg), pt, "tcId %d", tc.TcID)
					case "invalid":
						invalid++
						assert.ErrorIs(t, err, ErrDecrypt, "tcId %d (%s) must fail", tc.TcID, tc.Comment)
						assert.Nil(t, pt, "tcId %d", tc.TcID)
					default:
						t.Fatalf("tcId %d: unexpected result %q", tc.TcID, tc.Result)
					}
				}
			}
			assert.Equal(t, 18, valid, "valid vectors run")
			assert.Equal(t, 19, invalid, "invalid vectors run")
			assert.Equal(t, f.NumberOfTests, valid+invalid, "every vector of the file run")
		})
	}
}

// TestRSAAESKWLayout opens an envelope by hand with crypto/rsa and KWP, so
// the layout (OAEP of the modulus size, then KWP) is pinned independently
// of Unwrap.
func TestRSAAESKWLayout(t *testing.T) {
	priv := testRSAKey(t)
	pkcs8 := testPKCS8(t, curves.P256)
	w, err := NewCustomKeyWrapper(RSAESOAEPSHA256AES256KeyWrap, testRSASPKI(t, &priv.PublicKey))
	require.NoError(t, err)
	env, err := w.Wrap(context.Background(), pkcs8, []byte("aad is ignored"))
	require.NoError(t, err)

	k := priv.Size()
	require.Len(t, env, k+8+(len(pkcs8)+7)/8*8)
	aesKey, err := rsa.DecryptOAEP(sha256.New(), nil, priv, env[:k], nil)
	require.NoError(t, err)
	require.Len(t, aesKey, 32)
	block, err := aes.NewCipher(aesKey)
	require.NoError(t, err)
	pt, err := kwp.Unwrap(block, env[k:])
	require.NoError(t, err)
	assert.Equal(t, pkcs8, pt)

	// The AAD is documented as ignored: any value opens it.
	u, err := NewCustomKeyUnwrapper(RSAESOAEPSHA256AES256KeyWrap, priv)
	require.NoError(t, err)
	pt, err = u.Unwrap(context.Background(), env, nil)
	require.NoError(t, err)
	assert.Equal(t, pkcs8, pt)
}

// TestRSAAESKWOpenSSL opens an envelope with the openssl command: pkeyutl
// for the OAEP part, enc -id-aes256-wrap-pad for the KWP part.
func TestRSAAESKWOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not found in PATH; skipping the OpenSSL interop test of RSAES_OAEP_SHA_256_AES_256_KEY_WRAP")
	}
	priv := testRSAKey(t)
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	keyPath := filepath.Join(dir, "k.pem")
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))

	w, err := NewCustomKeyWrapper(RSAESOAEPSHA256AES256KeyWrap, testRSASPKI(t, &priv.PublicKey))
	require.NoError(t, err)
	for _, spec := range curves.Specs() {
		t.Run(string(spec), func(t *testing.T) {
			pkcs8 := testPKCS8(t, spec)
			env, err := w.Wrap(context.Background(), pkcs8, nil)
			require.NoError(t, err)
			k := priv.Size()
			oaepPath := filepath.Join(dir, string(spec)+".oaep")
			keyWrapPath := filepath.Join(dir, string(spec)+".kwp")
			require.NoError(t, os.WriteFile(oaepPath, env[:k], 0o600))
			require.NoError(t, os.WriteFile(keyWrapPath, env[k:], 0o600))

			aesKey := testRun(t, "openssl", "pkeyutl", "-decrypt", "-inkey", keyPath, "-in", oaepPath,
				"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
			require.Len(t, aesKey, 32, "openssl pkeyutl recovers the AES-256 key")
			pt := testRun(t, "openssl", "enc", "-d", "-id-aes256-wrap-pad",
				"-K", hex.EncodeToString(aesKey), "-iv", "A65959A6", "-in", keyWrapPath)
			assert.Equal(t, pkcs8, pt, "openssl enc -id-aes256-wrap-pad recovers the PKCS#8")
		})
	}
}

// testRun runs a command and returns its stdout, failing with its stderr.
func testRun(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr []byte
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "%s %v: %s", name, args, stderr)
	return out
}
