package awsinterop

import (
	"context"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	awsdialect "github.com/ecdkp/ecdkp/provider/aws"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/wrap"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// kmsServer is the AWS dialect of a provider over a keyring, behind SigV4
// with testAK (bound to testAcct), on 127.0.0.1, with attestation
// documents of a test PKI accepted. before, when set, may answer a request
// instead of the handler (to inject failures); every request is counted
// by operation.
type kmsServer struct {
	*httptest.Server
	kr                 *keyring.Keyring
	aes, sm4, disabled string
	pki                *nitrotest.PKI
	mu                 sync.Mutex
	calls              map[string]int
	before             func(w http.ResponseWriter, r *http.Request) bool
	enclave            *rsa.PrivateKey
	enclaveSPKI        []byte
	enclaveDoc         []byte
}

func newKMSServer(t *testing.T) *kmsServer {
	t.Helper()
	ctx := context.Background()
	s := &kmsServer{kr: keyring.New(), pki: nitrotest.NewPKI(t), calls: map[string]int{}}
	for _, k := range []struct {
		spec keystore.MasterKeySpec
		id   *string
	}{{keystore.AES256, &s.aes}, {keystore.SM4, &s.sm4}, {keystore.AES256, &s.disabled}} {
		md, err := s.kr.CreateKey(ctx, keystore.KeyParams{Spec: k.spec, Project: testAcct})
		require.NoError(t, err)
		*k.id = md.KeyID
	}
	_, err := s.kr.SetKeyState(ctx, s.disabled, keystore.KeyDisabled)
	require.NoError(t, err)
	v, err := attest.NewNSMVerifier(s.pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	p, err := provider.New(s.kr, provider.WithRegion(testRegion), provider.WithAttestationVerifier(v))
	require.NoError(t, err)
	h := awsdialect.NewHandler(p, awsdialect.WithKeyManagement(), awsdialect.WithDefaultAccount(testAcct),
		awsdialect.WithAuthenticator(auth.SigV4(testCredentials(t), auth.WithRegion(testRegion),
			auth.WithReplayCache(auth.NewMemoryReplayCache(0)), auth.WithRequiredSignedHeaders("x-amz-target"))))
	s.enclave, s.enclaveSPKI = nitrotest.RSA(t, 2048)
	s.enclaveDoc = s.pki.Doc(t, s.pki.Fields(s.enclaveSPKI))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
		s.mu.Lock()
		s.calls[op]++
		before := s.before
		s.mu.Unlock()
		if before != nil && before(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *kmsServer) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// client is the SDK's KMS client of the server, with testAK's secret sk,
// retrying at once.
func (s *kmsServer) client(sk string) *kms.Client {
	return kms.New(kms.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   s.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: testAK, SecretAccessKey: sk, Source: "test"}, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = noRateLimit{}
		}),
	})
}

// noRateLimit lets every retry through (the standard retryer's token
// bucket would otherwise run dry in a test that retries on purpose).
type noRateLimit struct{}

func (noRateLimit) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noRateLimit) AddTokens(uint) error { return nil }

func arnOf(id string) string { return "arn:aws:kms:" + testRegion + ":" + testAcct + ":key/" + id }

// sdkSpecs are the SDK's names of every spec we serve: its enum has each,
// Ed25519 included.
var sdkSpecs = map[curves.Spec]types.DataKeyPairSpec{
	curves.P256: types.DataKeyPairSpecEccNistP256, curves.P384: types.DataKeyPairSpecEccNistP384,
	curves.P521: types.DataKeyPairSpecEccNistP521, curves.Secp256k1: types.DataKeyPairSpecEccSecgP256k1,
	curves.SM2: types.DataKeyPairSpecSm2, curves.Ed25519: types.DataKeyPairSpecEccNistEdwards25519,
}

// TestSDKEverySpec: GenerateDataKeyPair and ...WithoutPlaintext for every
// spec, with an EncryptionContext and GrantTokens, and Decrypt of the
// blob by KeyId (id and ARN) and without, through the unchanged SDK.
func TestSDKEverySpec(t *testing.T) {
	s := newKMSServer(t)
	c := s.client(testSK)
	ctx := context.Background()
	require.Len(t, sdkSpecs, len(curves.Specs()), "every registered spec has its SDK name")
	for _, spec := range curves.Specs() {
		t.Run(string(spec), func(t *testing.T) {
			ec := map[string]string{"purpose": "awsinterop", "spec": string(spec)}
			out, err := c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(s.aes), KeyPairSpec: sdkSpecs[spec],
				EncryptionContext: ec, GrantTokens: []string{"grant-token-1"}})
			require.NoError(t, err)
			assert.Equal(t, arnOf(s.aes), aws.ToString(out.KeyId))
			assert.Equal(t, sdkSpecs[spec], out.KeyPairSpec)
			pub, err := encoding.ParseSPKI(out.PublicKey)
			require.NoError(t, err)
			assert.Equal(t, spec, pub.Curve().Spec())
			priv, err := encoding.ParsePKCS8(out.PrivateKeyPlaintext)
			require.NoError(t, err)
			assert.True(t, priv.PublicKey().Equal(pub))
			mid, err := hex.DecodeString(aws.ToString(out.KeyMaterialId))
			require.NoError(t, err)
			assert.Len(t, mid, 32)

			for _, keyID := range []*string{nil, aws.String(s.aes), aws.String(arnOf(s.aes))} {
				dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec, KeyId: keyID})
				require.NoError(t, err)
				assert.Equal(t, out.PrivateKeyPlaintext, dec.Plaintext)
				assert.Equal(t, arnOf(s.aes), aws.ToString(dec.KeyId))
				assert.Equal(t, types.EncryptionAlgorithmSpecSymmetricDefault, dec.EncryptionAlgorithm)
				assert.Equal(t, aws.ToString(out.KeyMaterialId), aws.ToString(dec.KeyMaterialId))
			}

			np, err := c.GenerateDataKeyPairWithoutPlaintext(ctx, &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(arnOf(s.sm4)),
				KeyPairSpec: sdkSpecs[spec], EncryptionContext: ec})
			require.NoError(t, err)
			assert.Equal(t, arnOf(s.sm4), aws.ToString(np.KeyId))
			npub, err := encoding.ParseSPKI(np.PublicKey)
			require.NoError(t, err)
			dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: np.PrivateKeyCiphertextBlob, EncryptionContext: ec})
			require.NoError(t, err)
			npriv, err := encoding.ParsePKCS8(dec.Plaintext)
			require.NoError(t, err)
			assert.True(t, npriv.PublicKey().Equal(npub))
		})
	}
}

// TestSDKRecipient: with a Recipient (an attestation document of the test
// PKI), the private key comes back only as CiphertextForRecipient, which
// the enclave's key opens.
func TestSDKRecipient(t *testing.T) {
	s := newKMSServer(t)
	out, err := s.client(testSK).GenerateDataKeyPair(context.Background(), &kms.GenerateDataKeyPairInput{
		KeyId: aws.String(s.aes), KeyPairSpec: types.DataKeyPairSpecEccNistP384,
		Recipient: &types.RecipientInfo{AttestationDocument: s.enclaveDoc, KeyEncryptionAlgorithm: types.KeyEncryptionMechanismRsaesOaepSha256},
	})
	require.NoError(t, err)
	assert.Nil(t, out.PrivateKeyPlaintext)
	require.NotEmpty(t, out.CiphertextForRecipient)
	u, err := wrap.NewRecipientUnwrapper(s.enclave)
	require.NoError(t, err)
	pkcs8, err := u.Unwrap(context.Background(), out.CiphertextForRecipient, nil)
	require.NoError(t, err)
	priv, err := encoding.ParsePKCS8(pkcs8)
	require.NoError(t, err)
	pub, err := encoding.ParseSPKI(out.PublicKey)
	require.NoError(t, err)
	assert.True(t, priv.PublicKey().Equal(pub))

	// A document of another PKI is refused.
	other := nitrotest.NewPKI(t)
	_, err = s.client(testSK).GenerateDataKeyPair(context.Background(), &kms.GenerateDataKeyPairInput{
		KeyId: aws.String(s.aes), KeyPairSpec: types.DataKeyPairSpecEccNistP384,
		Recipient: &types.RecipientInfo{AttestationDocument: other.Doc(t, other.Fields(s.enclaveSPKI)), KeyEncryptionAlgorithm: types.KeyEncryptionMechanismRsaesOaepSha256},
	})
	assertAPIError(t, err, "ValidationException")
}

// assertAPIError checks that err is the SDK's API error with code.
func assertAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, code, ae.ErrorCode())
	assert.NotEmpty(t, ae.ErrorMessage())
}

// TestSDKTypedErrors: refusals reach the SDK as its typed exceptions (or,
// for types KMS's model lacks, API errors with the code).
func TestSDKTypedErrors(t *testing.T) {
	s := newKMSServer(t)
	c := s.client(testSK)
	ctx := context.Background()
	ec := map[string]string{"a": "bc"}
	made, err := c.GenerateDataKeyPairWithoutPlaintext(ctx, &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(s.aes),
		KeyPairSpec: types.DataKeyPairSpecSm2, EncryptionContext: ec})
	require.NoError(t, err)
	missing := "3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839"
	gen := func(keyID string, spec types.DataKeyPairSpec) error {
		_, err := c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(keyID), KeyPairSpec: spec})
		return err
	}
	decrypt := func(in *kms.DecryptInput) error { _, err := c.Decrypt(ctx, in); return err }

	var notFound *types.NotFoundException
	assert.ErrorAs(t, gen(missing, types.DataKeyPairSpecEccNistP256), &notFound)
	assert.ErrorAs(t, gen("alias/none", types.DataKeyPairSpecEccNistP256), &notFound)
	var disabled *types.DisabledException
	assert.ErrorAs(t, gen(s.disabled, types.DataKeyPairSpecEccNistP256), &disabled)
	var invalidCT *types.InvalidCiphertextException
	assert.ErrorAs(t, decrypt(&kms.DecryptInput{CiphertextBlob: made.PrivateKeyCiphertextBlob, EncryptionContext: map[string]string{"ab": "c"}}), &invalidCT,
		"{\"ab\":\"c\"} does not open what {\"a\":\"bc\"} sealed")
	assert.ErrorAs(t, decrypt(&kms.DecryptInput{CiphertextBlob: []byte("not an envelope")}), &invalidCT)
	var incorrect *types.IncorrectKeyException
	assert.ErrorAs(t, decrypt(&kms.DecryptInput{CiphertextBlob: made.PrivateKeyCiphertextBlob, EncryptionContext: ec, KeyId: aws.String(s.sm4)}), &incorrect)
	var dry *types.DryRunOperationException
	assert.ErrorAs(t, decrypt(&kms.DecryptInput{CiphertextBlob: made.PrivateKeyCiphertextBlob, EncryptionContext: ec, DryRun: aws.Bool(true)}), &dry)
	_, err = c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(s.aes), KeyPairSpec: types.DataKeyPairSpecEccNistP256, DryRun: aws.Bool(true)})
	assert.ErrorAs(t, err, &dry)
	_, err = c.GenerateDataKeyPairWithoutPlaintext(ctx, &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(s.aes), KeyPairSpec: types.DataKeyPairSpecSm2, DryRun: aws.Bool(true)})
	assert.ErrorAs(t, err, &dry)
	var unsupported *types.UnsupportedOperationException
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("a"), TagValue: aws.String("b")}}})
	assert.ErrorAs(t, err, &unsupported)
	var state *types.KMSInvalidStateException
	_, err = c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(s.aes)})
	assert.ErrorAs(t, err, &state)

	assertAPIError(t, gen(s.aes, types.DataKeyPairSpecRsa2048), "ValidationException")
	assertAPIError(t, gen(s.aes, "ECC_NIST_P224"), "ValidationException")
	assertAPIError(t, gen("arn:aws:kms:"+testRegion+":444455556666:key/"+s.aes, types.DataKeyPairSpecSm2), "AccessDeniedException")
	_, err = s.client("wrong-secret").ListKeys(ctx, &kms.ListKeysInput{})
	assertAPIError(t, err, "InvalidSignatureException")
}

// TestSDKKeyManagement: the dev-loop operations through the SDK, ListKeys
// paged by its paginator.
func TestSDKKeyManagement(t *testing.T) {
	s := newKMSServer(t)
	c := s.client(testSK)
	ctx := context.Background()
	var created []string
	for range 4 {
		out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("awsinterop")})
		require.NoError(t, err)
		md := out.KeyMetadata
		assert.Equal(t, testAcct, aws.ToString(md.AWSAccountId))
		assert.Equal(t, arnOf(aws.ToString(md.KeyId)), aws.ToString(md.Arn))
		assert.Equal(t, types.KeyStateEnabled, md.KeyState)
		assert.Equal(t, types.KeySpecSymmetricDefault, md.KeySpec)
		assert.Equal(t, types.KeyUsageTypeEncryptDecrypt, md.KeyUsage)
		assert.True(t, md.Enabled)
		created = append(created, aws.ToString(md.KeyId))
	}
	sm4, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: "SM4"})
	require.NoError(t, err)
	assert.Equal(t, types.KeySpec("SM4"), sm4.KeyMetadata.KeySpec)

	var listed []string
	pages := 0
	for p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		assert.LessOrEqual(t, len(page.Keys), 2)
		for _, k := range page.Keys {
			listed = append(listed, aws.ToString(k.KeyId))
			assert.Equal(t, arnOf(aws.ToString(k.KeyId)), aws.ToString(k.KeyArn))
		}
	}
	assert.Len(t, listed, 3+len(created)+1, "the fixture's three keys and the five created")
	assert.Equal(t, 4, pages)
	assert.Subset(t, listed, append(created, s.aes, s.sm4, s.disabled))

	id := created[0]
	describe := func() types.KeyState {
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arnOf(id))})
		require.NoError(t, err)
		return out.KeyMetadata.KeyState
	}
	_, err = c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, types.KeyStateDisabled, describe())
	var disabled *types.DisabledException
	_, err = c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(id), KeyPairSpec: types.DataKeyPairSpecSm2})
	assert.ErrorAs(t, err, &disabled)
	_, err = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, types.KeyStateEnabled, describe())
	del, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)})
	require.NoError(t, err)
	assert.Equal(t, types.KeyStatePendingDeletion, del.KeyState)
	assert.Equal(t, int32(7), aws.ToInt32(del.PendingWindowInDays))
	assert.WithinDuration(t, time.Now().Add(7*24*time.Hour), aws.ToTime(del.DeletionDate), time.Minute)
	var state *types.KMSInvalidStateException
	_, err = c.GenerateDataKeyPairWithoutPlaintext(ctx, &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(id), KeyPairSpec: types.DataKeyPairSpecSm2})
	assert.ErrorAs(t, err, &state)
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(created[1]), PendingWindowInDays: aws.Int32(3)})
	assertAPIError(t, err, "ValidationException")
	cancel, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, arnOf(id), aws.ToString(cancel.KeyId))
	assert.Equal(t, types.KeyStateDisabled, describe(), "a canceled deletion leaves the key disabled, as AWS does")
}

// TestSDKRetries: a 503 DependencyTimeoutException and a 500
// KMSInternalException are retried by the SDK (signed anew: no replay),
// a client error is not.
func TestSDKRetries(t *testing.T) {
	s := newKMSServer(t)
	c := s.client(testSK)
	ctx := context.Background()
	var fail atomic.Int32
	var status atomic.Int32
	s.before = func(w http.ResponseWriter, r *http.Request) bool {
		if fail.Add(-1) < 0 {
			return false
		}
		_, _ = io.Copy(io.Discard, r.Body)
		typ := "DependencyTimeoutException"
		if status.Load() == 500 {
			typ = "KMSInternalException"
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(int(status.Load()))
		_, _ = io.WriteString(w, `{"__type":"`+typ+`","message":"try again"}`)
		return true
	}
	for _, st := range []int32{503, 500} {
		status.Store(st)
		fail.Store(2)
		before := s.count("GenerateDataKeyPair")
		out, err := c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(s.aes), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
		require.NoError(t, err, "HTTP %d is retried", st)
		assert.NotEmpty(t, out.PrivateKeyPlaintext)
		assert.Equal(t, 3, s.count("GenerateDataKeyPair")-before, "two failures, then the answer")
	}
	// Past the SDK's three attempts the typed exception comes through.
	status.Store(503)
	fail.Store(10)
	_, err := c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String(s.aes), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
	var dep *types.DependencyTimeoutException
	assert.ErrorAs(t, err, &dep)
	fail.Store(0)
	before := s.count("GenerateDataKeyPair")
	_, err = c.GenerateDataKeyPair(ctx, &kms.GenerateDataKeyPairInput{KeyId: aws.String("3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839"), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
	var notFound *types.NotFoundException
	assert.ErrorAs(t, err, &notFound)
	assert.Equal(t, 1, s.count("GenerateDataKeyPair")-before, "a client error is not retried")
}
