//go:build cgo

package pkcs11

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
)

// TestProviderSuite runs the shared provider suite when the token can hold
// SM4 master keys (its fixture makes one). SoftHSM2 cannot, so it then
// runs the AES_256 part of the suite's checks here instead.
func TestProviderSuite(t *testing.T) {
	probe := newStore(t)
	_, err := probe.CreateKey(t.Context(), provider.SM4)
	if err == nil {
		providertest.Run(t, func(t testing.TB) provider.KeyManager { return newStore(t) })
		return
	}
	require.ErrorIs(t, err, ErrUnsupportedSpec)
	t.Logf("providertest.Run not run: its fixture needs an SM4 master key and %v", err)
	t.Run("CreateDecryptMatrix", testMatrix)
	t.Run("States", testStates)
	t.Run("DecryptFailures", testDecryptFailures)
	t.Run("DecryptOtherStore", testDecryptOtherStore)
	t.Run("Rotation", testRotation)
	t.Run("Authorizer", testAuthorizer)
	t.Run("Concurrent", testConcurrent)
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func ptr[T any](v T) *T { return &v }

// aesFixture is a provider over a fresh token with one AES_256 key.
func aesFixture(t testing.TB, opts ...provider.Option) (*Store, *provider.Provider, string) {
	t.Helper()
	s := newStore(t)
	md, err := s.CreateKey(context.Background(), provider.AES256)
	require.NoError(t, err)
	p, err := provider.New(s, opts...)
	require.NoError(t, err)
	return s, p, md.KeyID
}

func failure(t testing.TB, err error) provider.Failure {
	t.Helper()
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	return e.Failure
}

// testMatrix: every curve x with_plain_text x AAD round-trips through the
// token, and the public key matches the decrypted private key.
func testMatrix(t *testing.T) {
	_, p, mk := aesFixture(t)
	ctx := context.Background()
	ran := 0
	for _, spec := range curves.Specs() {
		for _, withPlain := range []*bool{nil, ptr(true), ptr(false)} {
			for _, aad := range []string{"", "tenant=42;purpose=sign"} {
				ran++
				t.Run(fmt.Sprintf("%s/plain=%s/aad=%t", spec, fmtBool(withPlain), aad != ""), func(t *testing.T) {
					resp, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
						KeyID: mk, KeySpec: string(spec), WithPlainText: withPlain, AdditionalAuthenticatedData: aad,
					})
					require.NoError(t, err)
					wantPlain := withPlain == nil || *withPlain
					assert.Equal(t, wantPlain, resp.PrivateKeyPlainText != "")
					env := b64(t, resp.PrivateKeyCipherText)
					h, err := wrap.ParseMasterHeader(env)
					require.NoError(t, err)
					assert.Equal(t, wrap.AES256GCM, h.Algorithm)
					assert.Equal(t, mk, provider.FormatKeyID(h.KeyID))
					assert.Equal(t, uint32(1), h.KeyVersion)

					dec, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
						CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: aad,
					})
					require.NoError(t, err)
					assert.Equal(t, string(spec), dec.KeySpec)
					assert.Equal(t, resp.PublicKey, dec.PublicKey)
					pub, err := encoding.ParseSPKI(b64(t, resp.PublicKey))
					require.NoError(t, err)
					priv, err := encoding.ParsePKCS8(b64(t, dec.PrivateKeyPlainText))
					require.NoError(t, err)
					assert.True(t, priv.PublicKey().Equal(pub))
					if wantPlain {
						assert.Equal(t, resp.PrivateKeyPlainText, dec.PrivateKeyPlainText)
					}
				})
			}
		}
	}
	assert.Equal(t, 6*len(curves.Specs()), ran)
	assert.GreaterOrEqual(t, len(curves.Specs()), 5)
}

// testStates: each state, persisted on the token, gates the operation.
func testStates(t *testing.T) {
	s, p, mk := aesFixture(t)
	ctx := context.Background()
	env, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: "SM2", AdditionalAuthenticatedData: "a"})
	require.NoError(t, err)
	for _, tc := range []struct {
		state  provider.KeyState
		create provider.Failure // 0: succeeds
	}{
		{provider.KeyDisabled, provider.FailKeyDisabled},
		{provider.KeyPendingDeletion, provider.FailKeyPendingDeletion},
		{provider.KeyPendingImport, provider.FailKeyPendingImport},
		{provider.KeyEnabled, 0},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			md, err := s.SetKeyState(ctx, mk, tc.state)
			require.NoError(t, err)
			assert.Equal(t, tc.state, md.KeyState)
			_, err = p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: "ECC_NIST_P256"})
			_, derr := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: env.PrivateKeyCipherText, AdditionalAuthenticatedData: "a"})
			if tc.create == 0 {
				assert.NoError(t, err)
				assert.NoError(t, derr)
				return
			}
			assert.Equal(t, tc.create, failure(t, err))
			assert.Equal(t, tc.create, failure(t, derr))
		})
	}
	_, err = s.SetKeyState(ctx, mk, "Deleted")
	assert.ErrorContains(t, err, `"Deleted"`)
	_, err = s.SetKeyState(ctx, "00000000-0000-4000-8000-000000000000", provider.KeyDisabled)
	assert.ErrorIs(t, err, provider.ErrKeyNotFound)
}

// testDecryptFailures: tampering, another AAD, a wrong spec hint and a
// missing key are refused with the table's failures.
func testDecryptFailures(t *testing.T) {
	_, p, mk := aesFixture(t)
	ctx := context.Background()
	good, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: "ECC_NIST_P384", AdditionalAuthenticatedData: "a"})
	require.NoError(t, err)
	env := b64(t, good.PrivateKeyCipherText)
	enc := base64.StdEncoding.EncodeToString
	flip := func(i int) string {
		e := append([]byte{}, env...)
		e[i] ^= 1
		return enc(e)
	}
	missing := "00000000-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		name string
		req  provider.DecryptDatakeyPairRequest
		want provider.Failure
	}{
		{"tag flipped", provider.DecryptDatakeyPairRequest{CipherText: flip(len(env) - 1), AdditionalAuthenticatedData: "a"}, provider.FailDecrypt},
		{"ciphertext flipped", provider.DecryptDatakeyPairRequest{CipherText: flip(wrap.MasterHeaderSize + wrap.MasterNonceSize), AdditionalAuthenticatedData: "a"}, provider.FailDecrypt},
		{"nonce flipped", provider.DecryptDatakeyPairRequest{CipherText: flip(wrap.MasterHeaderSize), AdditionalAuthenticatedData: "a"}, provider.FailDecrypt},
		{"version changed", provider.DecryptDatakeyPairRequest{CipherText: flip(wrap.MasterHeaderSize - 1), AdditionalAuthenticatedData: "a"}, provider.FailDecrypt},
		{"aad mismatch", provider.DecryptDatakeyPairRequest{CipherText: good.PrivateKeyCipherText, AdditionalAuthenticatedData: "b"}, provider.FailDecrypt},
		{"aad missing", provider.DecryptDatakeyPairRequest{CipherText: good.PrivateKeyCipherText}, provider.FailDecrypt},
		{"wrong spec hint", provider.DecryptDatakeyPairRequest{CipherText: good.PrivateKeyCipherText, AdditionalAuthenticatedData: "a", KeySpec: "ECC_NIST_P256"}, provider.FailDecrypt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.DecryptDatakeyPair(ctx, &tc.req)
			assert.Equal(t, tc.want, failure(t, err))
		})
	}
	_, err = p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: missing, KeySpec: "ECC_NIST_P256"})
	assert.Equal(t, provider.FailKeyNotFound, failure(t, err))
	// The token still works after the failed decryptions.
	dec, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: good.PrivateKeyCipherText, AdditionalAuthenticatedData: "a"})
	require.NoError(t, err)
	assert.Equal(t, good.PrivateKeyPlainText, dec.PrivateKeyPlainText)
}

// testDecryptOtherStore: an envelope names a key another token lacks.
func testDecryptOtherStore(t *testing.T) {
	_, a, mk := aesFixture(t)
	_, b, _ := aesFixture(t)
	resp, err := a.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: "SM2"})
	require.NoError(t, err)
	_, err = b.DecryptDatakeyPair(context.Background(), &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
	assert.Equal(t, provider.FailKeyNotFound, failure(t, err))
}

// testRotation: envelopes of every version open after rotations, and new
// ones use the newest version.
func testRotation(t *testing.T) {
	s, p, mk := aesFixture(t)
	ctx := context.Background()
	var resps []*provider.CreateEcDatakeyPairResponse
	for v := uint32(1); v <= 3; v++ {
		if v > 1 {
			md, err := s.RotateKey(ctx, mk)
			require.NoError(t, err)
			require.Equal(t, v, md.CurrentVersion)
		}
		r, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: "ECC_SECG_P256K1"})
		require.NoError(t, err)
		resps = append(resps, r)
	}
	for i, r := range resps {
		h, err := wrap.ParseMasterHeader(b64(t, r.PrivateKeyCipherText))
		require.NoError(t, err)
		assert.Equal(t, uint32(i+1), h.KeyVersion)
		dec, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: r.PrivateKeyCipherText})
		require.NoError(t, err)
		assert.Equal(t, r.PrivateKeyPlainText, dec.PrivateKeyPlainText)
	}
	_, err := s.RotateKey(ctx, "00000000-0000-4000-8000-000000000000")
	assert.ErrorIs(t, err, provider.ErrKeyNotFound)
}

// testAuthorizer: the hook sees origin "hsm".
func testAuthorizer(t *testing.T) {
	var seen []provider.AuthzRequest
	var mu sync.Mutex
	_, p, mk := aesFixture(t, provider.WithAuthorizer(provider.AuthorizerFunc(func(_ context.Context, r *provider.AuthzRequest) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, *r)
		return nil
	})))
	_, err := p.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: "ECC_NIST_P521"})
	require.NoError(t, err)
	require.Len(t, seen, 1)
	assert.Equal(t, provider.OriginHSM, seen[0].Conditions[provider.CondKeyOrigin])
	assert.Equal(t, mk, seen[0].KeyID)
}

// testConcurrent: 8 goroutines x 100 calls across every curve share the
// session pool (4 sessions), under -race.
func testConcurrent(t *testing.T) {
	_, p, mk := aesFixture(t)
	ctx := context.Background()
	specs := curves.Specs()
	const goroutines, calls = 8, 100
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		done  int
		errs  = make(chan error, goroutines)
		seenG = map[[32]byte]bool{}
	)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				spec := specs[(g+i)%len(specs)]
				resp, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: string(spec)})
				if err != nil {
					errs <- fmt.Errorf("goroutine %d call %d (%s): %w", g, i, spec, err)
					return
				}
				h := sha256.Sum256([]byte(resp.PrivateKeyPlainText))
				mu.Lock()
				dup := seenG[h]
				seenG[h] = true
				done++
				mu.Unlock()
				if dup {
					errs <- fmt.Errorf("goroutine %d: duplicate private key", g)
					return
				}
				if i%10 == 0 {
					dec, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, KeySpec: string(spec)})
					if err != nil || dec.PrivateKeyPlainText != resp.PrivateKeyPlainText {
						errs <- fmt.Errorf("goroutine %d: decrypt mismatch: %v", g, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, goroutines*calls, done)
}

func fmtBool(b *bool) string {
	if b == nil {
		return "default"
	}
	return fmt.Sprint(*b)
}
