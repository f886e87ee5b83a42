package provider_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/memscan"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// TestCreateScratchBoundAndWiped checks, for every spec and the shortest
// and longest AAD, that the pooled scratch buffer of CreateEcDatakeyPair
// (PKCS#8, SPKI, envelope) fits in ScratchSize without growing, that it
// is all zeros when the call returns, and that a pooled buffer too small
// for the call is replaced and the replacement wiped too.
func TestCreateScratchBoundAndWiped(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	ctx := context.Background()
	for _, spec := range curves.Specs() {
		c, err := curves.Lookup(spec)
		require.NoError(t, err)
		for _, aad := range []string{"", strings.Repeat("a", provider.MaxAADLen)} {
			for _, tc := range []struct {
				name string
				cap  int
			}{
				{"exact", provider.ScratchSize(c, len(aad))},
				{"too small", 16},
			} {
				t.Run(fmt.Sprintf("%s/aad%d/%s", spec, len(aad), tc.name), func(t *testing.T) {
					var got *[]byte
					restore := provider.SwapScratchPool(func() *[]byte {
						b := make([]byte, 0, tc.cap)
						got = &b
						return got
					})
					defer restore()
					resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
						KeyID: f.AES, KeySpec: string(spec), AdditionalAuthenticatedData: aad,
					})
					require.NoError(t, err)
					require.NotEmpty(t, resp.PrivateKeyPlainText)
					require.NotNil(t, got, "the call took its buffer from the pool")
					buf := (*got)[:cap(*got)]
					if tc.cap >= provider.ScratchSize(c, len(aad)) {
						assert.Equal(t, tc.cap, cap(buf), "the call outgrew ScratchSize")
					} else {
						assert.GreaterOrEqual(t, cap(buf), provider.ScratchSize(c, len(aad)), "a short buffer is replaced before use")
					}
					assert.Equal(t, make([]byte, len(buf)), buf, "scratch holds key material after the call")
				})
			}
		}
	}
}

// TestPlaintextErased creates and decrypts key pairs in process, drops the
// responses, collects the garbage and searches the process memory for the
// plaintext private keys, as DER and as the response's base64. Built with
// GOEXPERIMENT=runtimesecret (the operations then run inside
// runtime/secret.Do) none may be left; a default build reports the count.
func TestPlaintextErased(t *testing.T) {
	if err := memscan.Available(); err != nil {
		t.Skip(err)
	}
	f := providertest.NewFixture(t, newKeyring)
	ctx := context.Background()
	for _, spec := range curves.Specs() {
		t.Run(string(spec), func(t *testing.T) {
			var secrets []memscan.Masked
			for range 8 {
				resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(spec)})
				require.NoError(t, err)
				dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
				require.NoError(t, err)
				require.Equal(t, resp.PrivateKeyPlainText, dec.PrivateKeyPlainText)
				der, err := base64.StdEncoding.DecodeString(resp.PrivateKeyPlainText)
				require.NoError(t, err)
				secrets = append(secrets, memscan.Mask(der), memscan.MaskString(resp.PrivateKeyPlainText))
				clear(der)
			}
			runtime.GC()
			runtime.GC()
			left, err := memscan.Count(secrets)
			require.NoError(t, err)
			if curves.RuntimeSecret {
				assert.Zero(t, left, "copies of %s plaintext private keys are left in memory", spec)
			} else {
				t.Logf("%d copies of 8 dropped %s plaintext private keys (DER or base64) are left in memory (build with GOEXPERIMENT=runtimesecret to erase them)", left, spec)
			}
		})
	}
}
