//go:build cgo

package pkcs11

import (
	"context"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
)

// BenchmarkCreateEcDatakeyPairP256 compares the in-process call (plaintext
// on) under a master key in the token with one in the in-memory keyring:
// the difference is the cost of sealing in the HSM (C_EncryptInit and
// C_Encrypt through cgo, SoftHSM2 here).
func BenchmarkCreateEcDatakeyPairP256(b *testing.B) {
	ctx := context.Background()
	stores := []struct {
		name string
		make func(b *testing.B) keystore.KeyManager
	}{
		{"keyring", func(*testing.B) keystore.KeyManager { return keyring.New() }},
		{"pkcs11", func(b *testing.B) keystore.KeyManager { return newStore(b) }},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			store := st.make(b)
			md, err := store.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
			if err != nil {
				b.Fatal(err)
			}
			p, err := provider.New(store)
			if err != nil {
				b.Fatal(err)
			}
			req := &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: string(curves.P256)}
			b.Run("serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.CreateEcDatakeyPair(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := p.CreateEcDatakeyPair(ctx, req); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
