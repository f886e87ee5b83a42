//go:build cgo

package pkcs11

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// TestProviderSuite runs the provider suite shared with the keyring over
// SoftHSM2. SoftHSM2 has no SM4, so the suite makes AES_256 master keys
// only; this store reports origin "hsm".
func TestProviderSuite(t *testing.T) {
	probe := newStore(t)
	_, err := probe.CreateKey(t.Context(), keystore.KeyParams{Spec: keystore.SM4})
	opts := []providertest.Option{providertest.WithOrigin(keystore.OriginHSM)}
	if err != nil {
		require.ErrorIs(t, err, ErrUnsupportedSpec)
		opts = append(opts, providertest.WithoutSM4())
	}
	providertest.Run(t, func(t testing.TB) keystore.KeyManager { return newStore(t) }, opts...)
}
