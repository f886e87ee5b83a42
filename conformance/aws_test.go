package conformance_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/aws"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

const (
	awsAK, awsSK = "AKIDCONFORMANCE", "conformance-secret"
	awsRegion    = "eu-west-3"
)

// perSpecAWSChecks is the number of checks of one key spec in the AWS
// dialect: 2 operations x 2 contexts x (create, decrypt, context_binding),
// tamper, fresh_keys and the two OpenSSL checks.
const perSpecAWSChecks = 2*2*3 + 4

// awsOnlyChecks are the checks of the AWS dialect that are not per spec.
const awsOnlyChecks = 6

// recipient is an enclave's RSA key and an attestation document for it
// that the fixture's provider accepts (a test PKI, the document's clock).
type recipient struct {
	key *rsa.PrivateKey
	doc string
}

// newRecipientFixture is a fixture whose provider verifies attestation
// documents of a test PKI, and a recipient of that PKI.
func newRecipientFixture(t *testing.T) (*fixture, recipient) {
	t.Helper()
	pki := nitrotest.NewPKI(t)
	v, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	require.NoError(t, err)
	f := newFixture(t, provider.WithAttestationVerifier(v))
	key, spki := nitrotest.RSA(t, 2048)
	return f, recipient{key, base64.StdEncoding.EncodeToString(pki.Doc(t, pki.Fields(spki)))}
}

// awsServer serves the fixture's provider in the AWS dialect with SigV4.
func awsServer(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	p, err := provider.New(f.kr, append([]provider.Option{provider.WithRegion(awsRegion)}, f.opts...)...)
	require.NoError(t, err)
	creds := auth.StaticCredentials(map[string]string{awsAK: awsSK})
	srv := httptest.NewServer(aws.NewHandler(p, aws.WithAuthenticator(auth.SigV4(creds, auth.WithRegion(awsRegion),
		auth.WithReplayCache(auth.NewMemoryReplayCache(0)), auth.WithRequiredSignedHeaders("x-amz-target")))))
	t.Cleanup(srv.Close)
	return srv
}

func newAWSTarget(t *testing.T, url string, opts ...conformance.HTTPOption) *conformance.AWSTarget {
	t.Helper()
	target, err := conformance.NewAWSTarget(url, append([]conformance.HTTPOption{conformance.WithAKSK(awsAK, awsSK),
		conformance.WithRegion(awsRegion), conformance.WithAccount(keystore.DefaultProject)}, opts...)...)
	require.NoError(t, err)
	return target
}

// TestRunAWS runs the suite in the AWS dialect over HTTP against our
// handler, signed with SigV4: every check passes, Ed25519 and the
// recipient included, and nothing is skipped but OpenSSL when it is absent.
func TestRunAWS(t *testing.T) {
	f, rcp := newRecipientFixture(t)
	target := newAWSTarget(t, awsServer(t, f).URL)
	opts := []conformance.Option{conformance.WithKeyID(f.aes), conformance.WithDisabledKeyID(f.disabled), conformance.WithOtherKeyID(f.sm4),
		conformance.WithRecipient(rcp.doc, rcp.key), conformance.WithSpecs(curves.P256, curves.Secp256k1, curves.SM2, curves.Ed25519)}
	conformance.Run(t, target, opts...)

	var out bytes.Buffer
	passed, failed := conformance.RunChecks(context.Background(), target, &out, append(opts, conformance.WithSpecs(curves.SM2, curves.Ed25519))...)
	r := parseReport(t, out.String())
	assert.Equal(t, 0, failed, out.String())
	skipped := 0
	if _, err := exec.LookPath("openssl"); err != nil {
		skipped = 2 * 2
	}
	total := 2*perSpecAWSChecks + awsOnlyChecks + 1 /* recipient */ + 1 /* disabled_key */ + len(awsRequestVectors(t))
	assert.Equal(t, skipped, r.count("SKIP"), out.String())
	assert.Equal(t, total-skipped, passed)
	assert.Len(t, r.order, total)
	assert.Empty(t, r.names("PASS", prefix("request_negatives/")), "the Huawei vectors are not run in the AWS dialect")
	assert.Empty(t, r.names("PASS", suffix("/wrapping_key")), "no custom wrapping keys in the AWS dialect")
	for _, n := range []string{"SM2/GenerateDataKeyPairWithoutPlaintext/context=set/context_binding", "encryption_context/concatenation",
		"encryption_context/order", "dry_run", "key_id_arn", "decrypt_key_id/other_key", "recipient",
		"aws_request_negatives/Decrypt/029_encryptioncontext_split_elsewhere_the_same_bytes"} {
		assert.Equal(t, "PASS", r.status[n], n)
	}
}

// TestRunAWSInProcess: the provider in process, checked as the AWS
// dialect answers its failures; what needs the wire is skipped.
func TestRunAWSInProcess(t *testing.T) {
	f, rcp := newRecipientFixture(t)
	var out bytes.Buffer
	_, failed := conformance.RunChecks(context.Background(), f.p, &out, conformance.WithDialect(conformance.AWS),
		conformance.WithKeyID(f.aes), conformance.WithDisabledKeyID(f.disabled), conformance.WithOtherKeyID(f.sm4),
		conformance.WithRecipient(rcp.doc, rcp.key), conformance.WithSpecs(curves.P384), conformance.WithOpenSSL("off"))
	r := parseReport(t, out.String())
	assert.Equal(t, 0, failed, out.String())
	assert.Equal(t, "SKIP", r.status["key_id_arn"])
	assert.Equal(t, "SKIP", r.status["encryption_context/order"])
	assert.Equal(t, "PASS", r.status["encryption_context/concatenation"])
	assert.Equal(t, "PASS", r.status["dry_run"])
	assert.Len(t, r.names("SKIP", prefix("aws_request_negatives/")), len(awsRequestVectors(t)))
}

// TestRunRecipientHuawei: the recipient check in the Huawei dialect.
func TestRunRecipientHuawei(t *testing.T) {
	f, rcp := newRecipientFixture(t)
	srv := httptest.NewServer(huawei.NewHandler(f.p))
	t.Cleanup(srv.Close)
	target, err := conformance.NewHTTPTarget(srv.URL, testProjectID)
	require.NoError(t, err)
	var out bytes.Buffer
	_, failed := conformance.RunChecks(context.Background(), target, &out, conformance.WithKeyID(f.aes),
		conformance.WithRecipient(rcp.doc, rcp.key), conformance.WithSpecs(curves.SM2), conformance.WithOpenSSL("off"))
	r := parseReport(t, out.String())
	assert.Equal(t, 0, failed, out.String())
	assert.Equal(t, "PASS", r.status["recipient"])
}

// awsMutant is our provider, checked in the AWS dialect, with one defect
// of the kind AWS-compatible emulators have.
type awsMutant struct {
	p      *provider.Provider
	create func(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error)
	dec    func(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error)
}

func (m *awsMutant) CreateEcDatakeyPair(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
	if m.create != nil {
		return m.create(ctx, req)
	}
	return m.p.CreateEcDatakeyPair(ctx, req)
}

func (m *awsMutant) DecryptDatakeyPair(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
	if m.dec != nil {
		return m.dec(ctx, req)
	}
	return m.p.DecryptDatakeyPair(ctx, req)
}

// joinedContext is the binding of local-kms, LocalStack and moto: the
// sorted keys each followed by its value, no separator.
func joinedContext(ec map[string]string) map[string]string {
	if len(ec) == 0 {
		return nil
	}
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ec[k])
	}
	return map[string]string{"joined": b.String()}
}

// TestAWSMutants: the AWS checks notice an ambiguous context binding, an
// ignored Recipient and an ignored DryRun, each in its own checks.
func TestAWSMutants(t *testing.T) {
	f, rcp := newRecipientFixture(t)
	run := func(t *testing.T, m *awsMutant) report {
		t.Helper()
		m.p = f.p
		var out bytes.Buffer
		_, failed := conformance.RunChecks(context.Background(), m, &out, conformance.WithDialect(conformance.AWS),
			conformance.WithKeyID(f.aes), conformance.WithRecipient(rcp.doc, rcp.key), conformance.WithSpecs(curves.P256), conformance.WithOpenSSL("off"))
		r := parseReport(t, out.String())
		require.Positive(t, failed, out.String())
		return r
	}
	t.Run("joined_context", func(t *testing.T) {
		r := run(t, &awsMutant{
			create: func(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
				q := *req
				q.EncryptionContext = joinedContext(req.EncryptionContext)
				return f.p.CreateEcDatakeyPair(ctx, &q)
			},
			dec: func(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
				q := *req
				q.EncryptionContext = joinedContext(req.EncryptionContext)
				return f.p.DecryptDatakeyPair(ctx, &q)
			},
		})
		assert.ElementsMatch(t, []string{"encryption_context/concatenation",
			"ECC_NIST_P256/GenerateDataKeyPair/context=set/context_binding",
			"ECC_NIST_P256/GenerateDataKeyPairWithoutPlaintext/context=set/context_binding"}, r.names("FAIL", nil))
		assert.Contains(t, r.why["encryption_context/concatenation"], `{"ab":"c"} of what {"a":"bc"} sealed was accepted`)
	})
	t.Run("ignores_recipient", func(t *testing.T) {
		r := run(t, &awsMutant{create: func(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
			q := *req
			q.Recipient = nil
			return f.p.CreateEcDatakeyPair(ctx, &q)
		}})
		assert.Equal(t, []string{"recipient"}, r.names("FAIL", nil))
		assert.Contains(t, r.why["recipient"], "PrivateKeyPlaintext is present although a Recipient was given")
	})
	t.Run("ignores_dry_run", func(t *testing.T) {
		r := run(t, &awsMutant{
			create: func(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
				q := *req
				q.DryRun = false
				return f.p.CreateEcDatakeyPair(ctx, &q)
			},
			dec: func(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
				q := *req
				q.DryRun = false
				return f.p.DecryptDatakeyPair(ctx, &q)
			},
		})
		assert.Equal(t, []string{"dry_run"}, r.names("FAIL", nil))
		assert.Contains(t, r.why["dry_run"], "GenerateDataKeyPair with DryRun created a key pair")
		assert.Contains(t, r.why["dry_run"], "Decrypt with DryRun returned the Plaintext")
	})
}

// TestPreflight: an endpoint that cannot be used stops the run at the
// first request with one failed check that says why.
func TestPreflight(t *testing.T) {
	f := newFixture(t)
	good := awsServer(t, f)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	notKMS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>nothing here</html>", http.StatusNotFound)
	}))
	t.Cleanup(notKMS.Close)
	hw := httptest.NewServer(huawei.NewHandler(f.p, huawei.WithAuthenticator(auth.Token("right"))))
	t.Cleanup(hw.Close)
	huaweiTarget := func(url string, opts ...conformance.HTTPOption) conformance.Target {
		target, err := conformance.NewHTTPTarget(url, testProjectID, opts...)
		require.NoError(t, err)
		return target
	}
	for _, tc := range []struct {
		name   string
		target conformance.Target
		keyID  string
		want   string
	}{
		{"unreachable", newAWSTarget(t, closed.URL), f.aes, "the endpoint cannot be reached"},
		{"not a KMS", newAWSTarget(t, notKMS.URL), f.aes, "does not answer as a KMS of the aws dialect"},
		{"wrong secret", newAWSTarget(t, good.URL, conformance.WithAKSK(awsAK, "wrong")), f.aes, "refuses the credentials: HTTP 400 InvalidSignatureException"},
		{"unsigned", newAWSTarget(t, good.URL, conformance.WithAKSK("", "")), f.aes, "MissingAuthenticationTokenException"},
		{"missing key", newAWSTarget(t, good.URL), "3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839", "is not an enabled key of the endpoint"},
		{"disabled key", newAWSTarget(t, good.URL), f.disabled, "DisabledException"},
		{"huawei wrong token", huaweiTarget(hw.URL, conformance.WithToken("wrong")), f.aes, "refuses the credentials: HTTP 401 KMS.0301"},
		{"huawei not a KMS", huaweiTarget(notKMS.URL), f.aes, "does not answer as a KMS of the huawei dialect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			passed, failed := conformance.RunChecks(context.Background(), tc.target, &out, conformance.WithKeyID(tc.keyID))
			assert.Equal(t, 0, passed)
			assert.Equal(t, 1, failed)
			r := parseReport(t, out.String())
			assert.Equal(t, []string{"preflight"}, r.order)
			assert.Contains(t, r.why["preflight"], tc.want)
			err := conformance.Preflight(context.Background(), tc.target, conformance.WithKeyID(tc.keyID))
			var pe *conformance.PreflightError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// A refusal the checks report (an unknown spec, here) is no reason to stop.
	assert.NoError(t, conformance.Preflight(context.Background(), newAWSTarget(t, good.URL), conformance.WithKeyID(f.aes)))
}

// TestAWSTargetRequests: the wire form of the mapped operations.
func TestAWSTargetRequests(t *testing.T) {
	var got []*http.Request
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, string(b))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch r.Header.Get("X-Amz-Target") {
		case "TrentService.Decrypt":
			_, _ = io.WriteString(w, `{"KeyId":"arn:aws:kms:r:1:key/k","Plaintext":"cA==","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}`)
		default:
			_, _ = io.WriteString(w, `{"KeyId":"arn:aws:kms:r:1:key/k","KeyPairSpec":"SM2","PublicKey":"cA==","PrivateKeyCiphertextBlob":"cQ==","KeyMaterialId":"x"}`)
		}
	}))
	t.Cleanup(srv.Close)
	target := newAWSTarget(t, srv.URL+"/")
	ctx := context.Background()
	resp, err := target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: "k", KeySpec: "SM2", WithPlainText: ptrBool(false),
		EncryptionContext: map[string]string{"b": "2", "a": "1"}})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:kms:r:1:key/k", resp.KeyID)
	assert.Equal(t, "cQ==", resp.PrivateKeyCipherText)
	_, err = target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: "k", KeySpec: "SM2", DryRun: true})
	require.NoError(t, err)
	dec, err := target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: "cQ==", KeyID: "k"})
	require.NoError(t, err)
	assert.Equal(t, "cA==", dec.PrivateKeyPlainText)
	require.Len(t, got, 3)
	assert.Equal(t, "TrentService.GenerateDataKeyPairWithoutPlaintext", got[0].Header.Get("X-Amz-Target"))
	assert.JSONEq(t, `{"KeyId":"k","KeyPairSpec":"SM2","EncryptionContext":{"a":"1","b":"2"}}`, bodies[0])
	assert.Equal(t, "TrentService.GenerateDataKeyPair", got[1].Header.Get("X-Amz-Target"))
	assert.JSONEq(t, `{"KeyId":"k","KeyPairSpec":"SM2","DryRun":true}`, bodies[1])
	assert.Equal(t, "TrentService.Decrypt", got[2].Header.Get("X-Amz-Target"))
	assert.JSONEq(t, `{"CiphertextBlob":"cQ==","KeyId":"k"}`, bodies[2])
	for _, r := range got {
		assert.Equal(t, "/", r.URL.Path)
		assert.Equal(t, "application/x-amz-json-1.1", r.Header.Get("Content-Type"))
		assert.Contains(t, r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="+awsAK+"/")
		assert.Contains(t, r.Header.Get("Authorization"), "/"+awsRegion+"/kms/aws4_request")
		assert.NotEmpty(t, r.Header.Get(auth.NonceHeader))
	}
	// Fields AWS does not have are refused before anything is sent.
	for _, req := range []*provider.CreateEcDatakeyPairRequest{{KeyID: "k", KeySpec: "SM2", AdditionalAuthenticatedData: "x"},
		{KeyID: "k", KeySpec: "SM2", Sequence: "s"}, {KeyID: "k", KeySpec: "SM2", WrappingPublicKey: "x"}} {
		_, err := target.CreateEcDatakeyPair(ctx, req)
		assert.ErrorContains(t, err, "the AWS dialect has no")
	}
	_, err = target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: "x", KeySpec: "SM2"})
	assert.ErrorContains(t, err, "no key spec")
	assert.Len(t, got, 3)
	_, _, err = target.Post(ctx, "Bad/Op", nil)
	assert.ErrorContains(t, err, "unknown AWS operation")
}

func ptrBool(b bool) *bool { return &b }

// TestAWSTargetErrors: error bodies become *Refusal with the __type
// (namespace prefix dropped) and the message, either spelling.
func TestAWSTargetErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, header string
		status             int
		code, msg          string
	}{
		{"plain", `{"__type":"NotFoundException","message":"no key"}`, "", 400, "NotFoundException", "no key"},
		{"namespaced", `{"__type":"com.amazonaws.kms#DisabledException","message":"off"}`, "", 400, "DisabledException", "off"},
		{"capital Message", `{"__type":"AccessDeniedException","Message":"denied"}`, "", 400, "AccessDeniedException", "denied"},
		{"header only", `{}`, "ThrottlingException:http://internal.amazon.com/", 400, "ThrottlingException", ""},
		{"no body", ``, "", 502, "", "HTTP 502 without an AWS error body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("X-Amzn-ErrorType", tc.header)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			_, err := newAWSTarget(t, srv.URL).DecryptDatakeyPair(context.Background(), &provider.DecryptDatakeyPairRequest{CipherText: "AAAA"})
			var r *conformance.Refusal
			require.True(t, errors.As(err, &r), "%v", err)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, tc.code, r.Code)
			assert.Contains(t, r.Message, tc.msg)
		})
	}
}

// TestNewAWSTargetValidation: options of the other dialect are refused.
func TestNewAWSTargetValidation(t *testing.T) {
	_, err := conformance.NewAWSTarget("http://h", conformance.WithToken("t"))
	assert.ErrorContains(t, err, "no token")
	_, err = conformance.NewAWSTarget("ftp://h")
	assert.ErrorContains(t, err, "http")
	_, err = conformance.NewAWSTarget("http://h", conformance.WithRegion("a/b"))
	assert.ErrorContains(t, err, "region")
	_, err = conformance.NewHTTPTarget("http://h", testProjectID, conformance.WithRegion("r"))
	assert.ErrorContains(t, err, "AWS dialect")
	target, err := conformance.NewAWSTarget("http://h")
	require.NoError(t, err)
	assert.Equal(t, conformance.DefaultAWSRegion, target.Region())
	assert.Equal(t, conformance.AWS, target.Dialect())
	var out bytes.Buffer
	_, failed := conformance.RunChecks(context.Background(), target, &out, conformance.WithKeyID("k"), conformance.WithDialect(conformance.Huawei))
	assert.Equal(t, 1, failed)
	assert.Contains(t, out.String(), "FAIL setup: conformance: WithDialect(huawei) for a target of the aws dialect")
	d, err := conformance.ParseDialect("AWS")
	require.NoError(t, err)
	assert.Equal(t, conformance.AWS, d)
	_, err = conformance.ParseDialect("gcp")
	assert.Error(t, err)
}
