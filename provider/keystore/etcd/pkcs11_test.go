//go:build cgo

package etcd

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/pkcs11"
	"github.com/ecdkp/ecdkp/provider/keystore/pkcs11/softhsmtest"
)

// softHSMToken makes a SoftHSM2 token in a folder of the test and returns
// the store's Config for it, or skips without SoftHSM2.
func softHSMToken(t *testing.T) pkcs11.Config {
	t.Helper()
	tk := softhsmtest.New(t, "ecdkp-kek")
	return pkcs11.Config{Module: tk.Module, TokenLabel: tk.Label, PIN: tk.PIN, Sessions: 2}
}

// TestPKCS11KEK: the KEK is a master key of the PKCS#11 store, so the store
// key is only ever unsealed inside the token. A replica with the token
// opens the store; another HSM key does not.
func TestPKCS11KEK(t *testing.T) {
	cfg := softHSMToken(t)
	c := sharedCluster(t)
	ctx := context.Background()
	hsm, err := pkcs11.Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { hsm.Close() })
	kekKey, err := hsm.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	kekFor := func(keyID string) KEKSource {
		mk, err := hsm.Key(ctx, keyID)
		require.NoError(t, err)
		v, err := mk.Version(mk.CurrentVersion())
		require.NoError(t, err)
		return KEKCipher(fmt.Sprintf("pkcs11:%s:%s:v%d", cfg.TokenLabel, keyID, mk.CurrentVersion()), v)
	}
	prefix := testPrefix(t)
	s := openT(t, c.client(t), prefix, kekFor(kekKey.KeyID))
	md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.NoError(t, err)
	p, err := provider.New(s)
	require.NoError(t, err)
	resp, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "SM2"})
	require.NoError(t, err)

	// Another replica, with the token, decrypts.
	other := openT(t, c.client(t), prefix, kekFor(kekKey.KeyID), WithoutCreate())
	po, err := provider.New(other)
	require.NoError(t, err)
	d, err := po.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
	require.NoError(t, err)
	assert.Equal(t, resp.PrivateKeyPlainText, d.PrivateKeyPlainText)

	// Another key of the token is not the KEK, even under the same label.
	wrong, err := hsm.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	w := kekFor(wrong.KeyID)
	_, err = Open(ctx, c.client(t), KEKCipher(kekFor(kekKey.KeyID).label, w.cipher), WithPrefix(prefix))
	assert.ErrorIs(t, err, ErrWrongKEK)
	_, err = Open(ctx, c.client(t), w, WithPrefix(prefix))
	assert.ErrorIs(t, err, ErrWrongKEK)

	// The KEK can move to a passphrase and back.
	require.NoError(t, s.ChangeKEK(ctx, Passphrase("pw")))
	openT(t, c.client(t), prefix, Passphrase("pw"))
	require.NoError(t, s.ChangeKEK(ctx, kekFor(wrong.KeyID)))
	openT(t, c.client(t), prefix, kekFor(wrong.KeyID))
}
