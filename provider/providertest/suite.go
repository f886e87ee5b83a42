// Package providertest is the provider test suite shared by every master
// key store: the keyring runs it in memory, the PKCS#11 store against an
// HSM. It drives provider.Provider over the store and checks every spec,
// option, failure of the error table, rotation and concurrency.
package providertest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

func ptr[T any](v T) *T { return &v }

// NewStore returns a fresh, empty key store for one test.
type NewStore func(t testing.TB) keystore.KeyManager

// Option adapts the suite and its fixtures to a store's abilities.
type Option func(*config)

type config struct {
	skipSM4  bool
	origin   keystore.Origin
	provider []provider.Option
}

func newConfig(opts []Option) config {
	c := config{origin: keystore.OriginKMS}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithoutSM4 is for stores that cannot hold SM4 master keys (SoftHSM2):
// fixtures then make only the AES_256 key.
func WithoutSM4() Option { return func(c *config) { c.skipSM4 = true } }

// WithOrigin is the kms:KeyOrigin the store reports (keystore.OriginKMS
// by default).
func WithOrigin(o keystore.Origin) Option { return func(c *config) { c.origin = o } }

// WithProviderOptions configures the providers of the fixtures.
func WithProviderOptions(opts ...provider.Option) Option {
	return func(c *config) { c.provider = append(c.provider, opts...) }
}

// Run runs the suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore, opts ...Option) {
	s := &suite{ns: newStore, o: newConfig(opts)}
	t.Run("CreateDecryptMatrix", s.testCreateDecryptMatrix)
	t.Run("FailureTable", s.testFailureTable)
	t.Run("DecryptOtherStore", s.testDecryptOtherStore)
	t.Run("Rotation", s.testRotation)
	t.Run("EnvelopeVersions", s.testEnvelopeVersions)
	t.Run("Authorizer", s.testAuthorizer)
	t.Run("Concurrent", s.testConcurrent)
	t.Run("Projects", s.testProjects)
}

// testProjects: a key belongs to the project it was created in, or to
// keystore.DefaultProject; the store keeps it and refuses ids that cannot
// name a project.
func (s *suite) testProjects(t *testing.T) {
	ctx := context.Background()
	st := s.ns(t)
	const project = "0123456789abcdef0123456789abcdef"
	in, err := st.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256, Project: project})
	require.NoError(t, err)
	assert.Equal(t, project, in.Project)
	def, err := st.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	assert.Equal(t, keystore.DefaultProject, def.Project)
	for _, bad := range []string{"has space", strings.Repeat("a", 65), "slash/es", "é"} {
		_, err := st.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256, Project: bad})
		assert.Error(t, err, "project %q", bad)
	}
	got := map[string]string{}
	list, err := st.ListKeys(ctx)
	require.NoError(t, err)
	for _, md := range list {
		got[md.KeyID] = md.Project
	}
	assert.Equal(t, map[string]string{in.KeyID: project, def.KeyID: keystore.DefaultProject}, got, "only the valid keys exist, each in its project")
	mk, err := st.Key(ctx, in.KeyID)
	require.NoError(t, err)
	assert.Equal(t, project, mk.Metadata().Project)
}

type suite struct {
	ns NewStore
	o  config
}

func (s *suite) fixture(t testing.TB, opts ...provider.Option) *Fixture {
	c := s.o
	c.provider = append(append([]provider.Option(nil), c.provider...), opts...)
	return newFixture(t, s.ns, c)
}

// Fixture is a provider over a fresh store with one AES_256 and (unless
// WithoutSM4) one SM4 master key.
type Fixture struct {
	Store    keystore.KeyManager
	P        *provider.Provider
	AES, SM4 string
}

// NewFixture builds a Fixture; benchmarks use it too.
func NewFixture(t testing.TB, newStore NewStore, opts ...Option) *Fixture {
	return newFixture(t, newStore, newConfig(opts))
}

func newFixture(t testing.TB, newStore NewStore, o config) *Fixture {
	t.Helper()
	ctx := context.Background()
	kr := newStore(t)
	a, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	f := &Fixture{Store: kr, AES: a.KeyID}
	if !o.skipSM4 {
		s, err := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
		require.NoError(t, err)
		f.SM4 = s.KeyID
	}
	p, err := provider.New(kr, o.provider...)
	require.NoError(t, err)
	f.P = p
	return f
}

// MasterKeys lists the fixture's master key ids.
func (f *Fixture) MasterKeys() []string {
	if f.SM4 == "" {
		return []string{f.AES}
	}
	return []string{f.AES, f.SM4}
}

// rotating is the key rotation tests use: SM4 when there is one.
func (f *Fixture) rotating() string {
	if f.SM4 != "" {
		return f.SM4
	}
	return f.AES
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

// testCreateDecryptMatrix: every spec x with_plain_text x AAD x master key
// spec; the public key matches the private key recovered through
// DecryptDatakeyPair, and the plaintext equals the decrypted one.
func (s *suite) testCreateDecryptMatrix(t *testing.T) {
	f := s.fixture(t)
	ctx := context.Background()
	for _, spec := range curves.Specs() {
		for _, mk := range f.MasterKeys() {
			for _, withPlain := range []*bool{nil, ptr(true), ptr(false)} {
				for _, aad := range []string{"", "tenant=42;purpose=sign"} {
					name := fmt.Sprintf("%s/%s/plain=%v/aad=%t", spec, mk[:8], fmtBool(withPlain), aad != "")
					t.Run(name, func(t *testing.T) {
						resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
							KeyID: mk, KeySpec: string(spec), WithPlainText: withPlain, AdditionalAuthenticatedData: aad,
						})
						require.NoError(t, err)
						assert.Equal(t, mk, resp.KeyID)
						assert.Equal(t, string(spec), resp.KeySpec)
						assert.Empty(t, resp.WrappedPrivateKey)
						assert.Empty(t, resp.CiphertextRecipient)
						pub, err := encoding.ParseSPKI(b64(t, resp.PublicKey))
						require.NoError(t, err)
						assert.Equal(t, spec, pub.Curve().Spec())

						wantPlain := withPlain == nil || *withPlain
						assert.Equal(t, wantPlain, resp.PrivateKeyPlainText != "")

						dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
							CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: aad,
						})
						require.NoError(t, err)
						assert.Equal(t, mk, dec.KeyID)
						assert.Equal(t, string(spec), dec.KeySpec)
						assert.Equal(t, resp.PublicKey, dec.PublicKey)
						priv, err := encoding.ParsePKCS8(b64(t, dec.PrivateKeyPlainText))
						require.NoError(t, err)
						assert.True(t, priv.PublicKey().Equal(pub), "decrypted private key matches the public key")
						if wantPlain {
							assert.Equal(t, resp.PrivateKeyPlainText, dec.PrivateKeyPlainText)
						}
						// The spec hint works and a wrong hint fails.
						_, err = f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
							CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: aad, KeySpec: string(spec),
						})
						require.NoError(t, err)
					})
				}
			}
		}
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "default"
	}
	return fmt.Sprint(*b)
}

// fakeKey lets a test give a master key any metadata.
type fakeKey struct {
	keystore.MasterKey
	md keystore.KeyMetadata
}

func (k fakeKey) Metadata() keystore.KeyMetadata { return k.md }

// storeFunc adapts a function to keystore.KeyStore.
type storeFunc func(ctx context.Context, id string) (keystore.MasterKey, error)

func (f storeFunc) Key(ctx context.Context, id string) (keystore.MasterKey, error) { return f(ctx, id) }

// testFailureTable produces every failure of the operation and checks its
// code and status against the table.
func (s *suite) testFailureTable(t *testing.T) {
	f := s.fixture(t)
	ctx := context.Background()
	good, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P256", AdditionalAuthenticatedData: "a"})
	require.NoError(t, err)
	envelope := b64(t, good.PrivateKeyCipherText)
	flipped := append([]byte{}, envelope...)
	flipped[len(flipped)-1] ^= 1
	badMagic := append([]byte{}, envelope...)
	badMagic[0] = 'X'

	// Keys in each state, and a key whose usage or spec is wrong.
	base, err := f.Store.Key(ctx, f.AES)
	require.NoError(t, err)
	withMD := func(mut func(*keystore.KeyMetadata)) keystore.KeyStore {
		return storeFunc(func(ctx context.Context, id string) (keystore.MasterKey, error) {
			md := base.Metadata()
			mut(&md)
			return fakeKey{base, md}, nil
		})
	}
	stores := map[string]keystore.KeyStore{
		"usage":      withMD(func(m *keystore.KeyMetadata) { m.KeyUsage = "SIGN_VERIFY" }),
		"keyspec":    withMD(func(m *keystore.KeyMetadata) { m.KeySpec = "RSA_2048" }),
		"storefails": storeFunc(func(context.Context, string) (keystore.MasterKey, error) { return nil, errors.New("disk on fire") }),
	}
	// Real keys of the store in each state; the disabled one first sealed
	// an envelope so decrypting with a disabled key can be tried.
	inState := map[keystore.KeyState]string{}
	var disabledEnvelope []byte
	for _, st := range []keystore.KeyState{keystore.KeyDisabled, keystore.KeyPendingDeletion, keystore.KeyPendingImport} {
		md, err := f.Store.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		require.NoError(t, err)
		if st == keystore.KeyDisabled {
			r, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: md.KeyID, KeySpec: "SM2", AdditionalAuthenticatedData: "a"})
			require.NoError(t, err)
			disabledEnvelope = b64(t, r.PrivateKeyCipherText)
		}
		got, err := f.Store.SetKeyState(ctx, md.KeyID, st)
		require.NoError(t, err)
		require.Equal(t, st, got.KeyState)
		inState[st] = md.KeyID
	}
	withKey := func(id string) provider.CreateEcDatakeyPairRequest {
		return provider.CreateEcDatakeyPairRequest{KeyID: id, KeySpec: "ECC_NIST_P256"}
	}
	pFor := func(name string) *provider.Provider {
		p, err := provider.New(stores[name])
		require.NoError(t, err)
		return p
	}
	denyAll := provider.WithAuthorizer(provider.AuthorizerFunc(func(context.Context, *provider.AuthzRequest) error {
		return errors.New("policy says no")
	}))
	denying, err := provider.New(f.Store, denyAll)
	require.NoError(t, err)
	canceledCtx, cancel := context.WithCancel(ctx)
	cancel()

	create := func(p *provider.Provider, c context.Context, r provider.CreateEcDatakeyPairRequest) error {
		_, err := p.CreateEcDatakeyPair(c, &r)
		return err
	}
	decrypt := func(p *provider.Provider, c context.Context, r provider.DecryptDatakeyPairRequest) error {
		_, err := p.DecryptDatakeyPair(c, &r)
		return err
	}
	cr := func(mut func(*provider.CreateEcDatakeyPairRequest)) provider.CreateEcDatakeyPairRequest {
		r := provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P256"}
		mut(&r)
		return r
	}
	dr := func(ct []byte, aad string) provider.DecryptDatakeyPairRequest {
		return provider.DecryptDatakeyPairRequest{CipherText: base64.StdEncoding.EncodeToString(ct), AdditionalAuthenticatedData: aad}
	}
	missingKey := "00000000-0000-4000-8000-000000000000"

	for _, tc := range []struct {
		name string
		err  error
		want provider.Failure
		msg  string
	}{
		{"missing key_id", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeyID = "" })), provider.FailMissingParameter, "key_id"},
		{"key_id too short", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeyID = "abc" })), provider.FailInvalidKeyID, "key_id"},
		{"key_id upper case", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeyID = strings.ToUpper(f.AES) })), provider.FailInvalidKeyID, "key_id"},
		{"key_id no dashes", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeyID = strings.ReplaceAll(f.AES, "-", "x") })), provider.FailInvalidKeyID, "key_id"},
		{"missing key_spec", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeySpec = "" })), provider.FailMissingParameter, "key_spec"},
		{"unknown key_spec", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeySpec = "ECC_NIST_P224" })), provider.FailUnknownKeySpec, "ECC_NIST_P224"},
		{"lower-case key_spec", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeySpec = "sm2" })), provider.FailUnknownKeySpec, "sm2"},
		{"sequence too short", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.Sequence = "919c82d4" })), provider.FailInvalidSequence, "36 bytes"},
		{"sequence bad byte", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.Sequence = "919c82d4-8046-4722-9094-35c3c6524c f" })), provider.FailInvalidSequence, "sequence"},
		{"aad too long", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) {
			r.AdditionalAuthenticatedData = strings.Repeat("a", 1024)
		})), provider.FailInvalidParameter, "1024"},
		{"plaintext with wrapping key", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) {
			r.WithPlainText = ptr(true)
			r.WrappingPublicKey, r.WrappingAlgorithm = "AAAA", "RSAES_OAEP_SHA_256_AES_256_KEY_WRAP"
		})), provider.FailInvalidParameter, "with_plain_text"},
		{"wrapping key and recipient", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) {
			r.WrappingPublicKey, r.WrappingAlgorithm = "AAAA", "RSAES_OAEP_SHA_256_AES_256_KEY_WRAP"
			r.Recipient = &provider.Recipient{AttestationDocument: "AAAA", KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256"}
		})), provider.FailInvalidParameter, "mutually exclusive"},
		{"key not found", create(f.P, ctx, cr(func(r *provider.CreateEcDatakeyPairRequest) { r.KeyID = missingKey })), provider.FailKeyNotFound, missingKey},
		{"key disabled", create(f.P, ctx, withKey(inState[keystore.KeyDisabled])), provider.FailKeyDisabled, "disabled"},
		{"key pending deletion", create(f.P, ctx, withKey(inState[keystore.KeyPendingDeletion])), provider.FailKeyPendingDeletion, "deletion"},
		{"key pending import", create(f.P, ctx, withKey(inState[keystore.KeyPendingImport])), provider.FailKeyPendingImport, "import"},
		{"key usage", create(pFor("usage"), ctx, cr(func(*provider.CreateEcDatakeyPairRequest) {})), provider.FailKeyUsage, "SIGN_VERIFY"},
		{"master key spec", create(pFor("keyspec"), ctx, cr(func(*provider.CreateEcDatakeyPairRequest) {})), provider.FailKeyUsage, "RSA_2048"},
		{"store fails", create(pFor("storefails"), ctx, cr(func(*provider.CreateEcDatakeyPairRequest) {})), provider.FailInternal, "key store"},
		{"unauthorized create", create(denying, ctx, cr(func(*provider.CreateEcDatakeyPairRequest) {})), provider.FailForbidden, provider.ActionCreateDataKeyPair},
		{"canceled create", create(f.P, canceledCtx, cr(func(*provider.CreateEcDatakeyPairRequest) {})), provider.FailCanceled, "canceled"},

		{"missing cipher_text", decrypt(f.P, ctx, provider.DecryptDatakeyPairRequest{}), provider.FailMissingParameter, "cipher_text"},
		{"cipher_text not base64", decrypt(f.P, ctx, provider.DecryptDatakeyPairRequest{CipherText: "***"}), provider.FailInvalidCiphertext, "base64"},
		{"cipher_text too short", decrypt(f.P, ctx, dr(envelope[:20], "a")), provider.FailInvalidCiphertext, "cipher_text"},
		{"cipher_text bad magic", decrypt(f.P, ctx, dr(badMagic, "a")), provider.FailInvalidCiphertext, "EKP1"},
		{"cipher_text too long", decrypt(f.P, ctx, provider.DecryptDatakeyPairRequest{CipherText: strings.Repeat("A", provider.MaxCipherTextLen+4)}), provider.FailInvalidCiphertext, "cipher_text"},
		{"cipher_text tampered", decrypt(f.P, ctx, dr(flipped, "a")), provider.FailDecrypt, "does not decrypt"},
		{"aad mismatch", decrypt(f.P, ctx, dr(envelope, "b")), provider.FailDecrypt, "additional_authenticated_data"},
		{"aad missing", decrypt(f.P, ctx, dr(envelope, "")), provider.FailDecrypt, "additional_authenticated_data"},
		{"wrong key_spec hint", decrypt(f.P, ctx, provider.DecryptDatakeyPairRequest{CipherText: good.PrivateKeyCipherText, AdditionalAuthenticatedData: "a", KeySpec: "SM2"}), provider.FailDecrypt, "SM2"},
		{"unknown key_spec hint", decrypt(f.P, ctx, provider.DecryptDatakeyPairRequest{CipherText: good.PrivateKeyCipherText, KeySpec: "P-256"}), provider.FailUnknownKeySpec, "P-256"},
		{"decrypt with disabled key", decrypt(f.P, ctx, dr(disabledEnvelope, "a")), provider.FailKeyDisabled, "disabled"},
		{"unauthorized decrypt", decrypt(denying, ctx, dr(envelope, "a")), provider.FailForbidden, provider.ActionDecrypt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.err)
			var e *provider.Error
			require.True(t, errors.As(tc.err, &e), "error is a *provider.Error: %v", tc.err)
			assert.Equal(t, tc.want, e.Failure, "failure class of %q", e.Message)
			assert.Contains(t, e.Message, tc.msg)
			assert.NotContains(t, e.Message, "disk on fire", "internal causes stay internal")
		})
	}
}

// testDecryptOtherStore: an envelope from one store names a key another
// store does not hold.
func (s *suite) testDecryptOtherStore(t *testing.T) {
	a, b := s.fixture(t), s.fixture(t)
	ctx := context.Background()
	resp, err := a.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: a.AES, KeySpec: "SM2"})
	require.NoError(t, err)
	_, err = b.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailKeyNotFound, e.Failure)
}

// testRotation: a ciphertext made before rotation still decrypts, and new
// ones use the new version.
func (s *suite) testRotation(t *testing.T) {
	f := s.fixture(t)
	ctx := context.Background()
	before, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.rotating(), KeySpec: "ECC_SECG_P256K1"})
	require.NoError(t, err)
	md, err := f.Store.RotateKey(ctx, f.rotating())
	require.NoError(t, err)
	assert.Equal(t, uint32(2), md.CurrentVersion)
	after, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.rotating(), KeySpec: "ECC_SECG_P256K1"})
	require.NoError(t, err)
	for i, resp := range []*provider.CreateEcDatakeyPairResponse{before, after} {
		h, err := wrap.ParseMasterHeader(b64(t, resp.PrivateKeyCipherText))
		require.NoError(t, err)
		assert.Equal(t, uint32(i+1), h.KeyVersion)
		dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
		require.NoError(t, err)
		assert.Equal(t, resp.PrivateKeyPlainText, dec.PrivateKeyPlainText)
	}
}

// testAuthorizer: the hook sees the action, the key, the caller and the
// condition keys, and a refusal stops the request.
func (s *suite) testAuthorizer(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []provider.AuthzRequest
	)
	f := s.fixture(t, provider.WithAuthorizer(provider.AuthorizerFunc(func(ctx context.Context, r *provider.AuthzRequest) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, *r)
		if slices.Contains(r.Conditions[provider.CondKeySpec], "SM2") {
			return provider.Errorf(provider.FailForbidden, "SM2 data keys are not allowed for %s", r.Caller.Principal)
		}
		return nil
	})))
	ctx := provider.WithCaller(context.Background(), provider.Caller{ProjectID: keystore.DefaultProject, Principal: "alice"})
	resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "ECC_NIST_P384", AdditionalAuthenticatedData: "ctx"})
	require.NoError(t, err)
	_, err = f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: "ctx"})
	require.NoError(t, err)
	_, err = f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2"})
	var e *provider.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, provider.FailForbidden, e.Failure)
	assert.Contains(t, e.Message, "alice")

	require.Len(t, seen, 3)
	assert.Equal(t, provider.ActionCreateDataKeyPair, seen[0].Action)
	assert.Equal(t, f.AES, seen[0].KeyID)
	assert.Equal(t, "alice", seen[0].Caller.Principal)
	assert.Equal(t, keystore.DefaultProject, seen[0].Caller.ProjectID)
	assert.Equal(t, provider.PhaseFinal, seen[0].Phase, "an AuthorizerFunc is asked once, with everything known")
	assert.Equal(t, provider.ResourceName(provider.DefaultRegion, keystore.DefaultProject, f.AES), seen[0].Resource)
	assert.Equal(t, map[string][]string{
		provider.CondKeySpec:                  {"ECC_NIST_P384"},
		provider.CondDataKeyPairSpec:          {"ECC_NIST_P384"},
		provider.CondHolder:                   {provider.HolderPlaintext},
		provider.CondWithPlainText:            {"true"},
		provider.CondProject:                  {keystore.DefaultProject},
		provider.CondKeyUsage:                 {"ENCRYPT_DECRYPT"},
		provider.CondKeyOrigin:                {string(s.o.origin)},
		provider.CondEncryptionContext:        {"ctx"},
		provider.CondEncryptionContextPresent: {"true"},
	}, seen[0].Conditions)
	assert.Equal(t, provider.ActionDecrypt, seen[1].Action)
	assert.Equal(t, []string{"true"}, seen[1].Conditions[provider.CondEncryptionContextPresent])
	assert.Equal(t, []string{"true"}, seen[1].Conditions[provider.CondWithPlainText], "decrypt returns the plaintext")
	assert.Equal(t, []string{"false"}, seen[2].Conditions[provider.CondEncryptionContextPresent])
}

// testConcurrent: 8 goroutines x 200 calls across specs, under -race.
func (s *suite) testConcurrent(t *testing.T) {
	f := s.fixture(t)
	ctx := context.Background()
	specs := curves.Specs()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			seen := map[[32]byte]bool{}
			for i := 0; i < 200; i++ {
				spec := specs[(g+i)%len(specs)]
				keys := f.MasterKeys()
				mk := keys[i%len(keys)]
				resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: mk, KeySpec: string(spec)})
				if err != nil {
					errs <- err
					return
				}
				h := sha256.Sum256([]byte(resp.PrivateKeyPlainText))
				if seen[h] {
					errs <- fmt.Errorf("goroutine %d: duplicate private key", g)
					return
				}
				seen[h] = true
				if i%20 == 0 {
					dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
					if err != nil || dec.PrivateKeyPlainText != resp.PrivateKeyPlainText {
						errs <- fmt.Errorf("goroutine %d: decrypt mismatch: %v", g, err)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
