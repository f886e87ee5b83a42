package encoding_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoX509Interop: for the NIST curves, Go's crypto/x509 writes the same
// bytes as we do and reads ours back to the same key. Runs without OpenSSL.
func TestGoX509Interop(t *testing.T) {
	for spec, ell := range map[curves.Spec]elliptic.Curve{
		curves.P256: elliptic.P256(),
		curves.P384: elliptic.P384(),
		curves.P521: elliptic.P521(),
	} {
		for name, k := range testKeys(t, spec) {
			t.Run(string(spec)+"/"+name, func(t *testing.T) {
				std, err := ecdsa.ParseRawPrivateKey(ell, k.Bytes())
				require.NoError(t, err)

				want, err := x509.MarshalPKCS8PrivateKey(std)
				require.NoError(t, err)
				got, err := encoding.MarshalPKCS8(k)
				require.NoError(t, err)
				assert.Equal(t, want, got, "PKCS#8")

				want, err = x509.MarshalECPrivateKey(std)
				require.NoError(t, err)
				got, err = encoding.MarshalSEC1(k)
				require.NoError(t, err)
				assert.Equal(t, want, got, "SEC1")

				want, err = x509.MarshalPKIXPublicKey(&std.PublicKey)
				require.NoError(t, err)
				got, err = encoding.MarshalSPKI(k.PublicKey())
				require.NoError(t, err)
				assert.Equal(t, want, got, "SPKI")

				back, err := x509.ParsePKIXPublicKey(got)
				require.NoError(t, err)
				assert.True(t, std.PublicKey.Equal(back))
				p8, err := encoding.MarshalPKCS8(k)
				require.NoError(t, err)
				parsed, err := x509.ParsePKCS8PrivateKey(p8)
				require.NoError(t, err)
				assert.True(t, std.Equal(parsed))
			})
		}
	}
}
