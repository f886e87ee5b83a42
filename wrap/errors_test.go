package wrap

import (
	"crypto/aes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/wrap/attest"
	"github.com/ecdkp/ecdkp/wrap/internal/cms"
	"github.com/ecdkp/ecdkp/wrap/internal/kwp"
)

// TestErrorClassesAreShared: the errors of the internal encodings and of
// the attestation verifier are of this package's classes, each of exactly
// one.
func TestErrorClassesAreShared(t *testing.T) {
	block, err := aes.NewCipher(make([]byte, 32))
	require.NoError(t, err)
	_, kwpErr := kwp.Unwrap(block, make([]byte, 24))
	_, cmsErr := cms.Parse([]byte("not BER"))
	_, cbcErr := cms.OpenCBC(make([]byte, cms.CEKSize), make([]byte, cms.IVSize), make([]byte, 16))
	v, err := attest.NewNSMVerifier(attest.DefaultRoots())
	require.NoError(t, err)
	_, attErr := v.Verify([]byte("not COSE"))

	classes := []error{ErrInvalidWrappingKey, ErrUnsupportedAlgorithm, ErrInvalidAttestation, ErrMalformedEnvelope, ErrDecrypt, ErrKeyUnavailable}
	for _, tc := range []struct {
		name      string
		err, want error
	}{
		{"kwp.Unwrap", kwpErr, ErrDecrypt},
		{"cms.Parse", cmsErr, ErrMalformedEnvelope},
		{"cms.OpenCBC", cbcErr, ErrDecrypt},
		{"cms.Malformed", cms.Malformed("x"), ErrMalformedEnvelope},
		{"attest.NSMVerifier", attErr, ErrInvalidAttestation},
	} {
		require.Error(t, tc.err, tc.name)
		var in []error
		for _, c := range classes {
			if errors.Is(tc.err, c) {
				in = append(in, c)
			}
		}
		assert.Equal(t, []error{tc.want}, in, "%s: %v", tc.name, tc.err)
	}
	assert.True(t, errors.Is(attErr, attest.ErrInvalid))
	assert.Equal(t, attest.ErrInvalid, ErrInvalidAttestation, "one sentinel under two names")
}
