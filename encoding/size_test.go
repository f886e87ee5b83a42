package encoding_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
)

// TestLengths: SPKILen and PKCS8Len are the lengths of real encodings of
// fresh keys of every curve.
func TestLengths(t *testing.T) {
	for _, spec := range curves.Specs() {
		c, err := curves.Lookup(spec)
		require.NoError(t, err)
		spkiLen, err := encoding.SPKILen(c)
		require.NoError(t, err)
		pkcs8Len, err := encoding.PKCS8Len(c)
		require.NoError(t, err)
		for range 4 {
			k, err := c.GenerateKey()
			require.NoError(t, err)
			spki, err := encoding.MarshalSPKI(k.PublicKey())
			require.NoError(t, err)
			pkcs8, err := encoding.MarshalPKCS8(k)
			require.NoError(t, err)
			assert.Len(t, spki, spkiLen, spec)
			assert.Len(t, pkcs8, pkcs8Len, spec)
			clear(pkcs8)
			k.Destroy()
		}
	}
}
