package awsinterop

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kmsReply answers the two operations the client tests call, with made-up
// but well-formed outputs; failFirst makes the first request fail with a
// retryable 500 after it was authenticated.
func kmsReply(failFirst *atomic.Bool) func(w http.ResponseWriter, r *http.Request, body []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if failFirst != nil && failFirst.CompareAndSwap(true, false) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"__type":"KMSInternalException","message":"try again"}`)
			return
		}
		switch r.Header.Get("X-Amz-Target") {
		case "TrentService.GenerateDataKeyPairWithoutPlaintext":
			blob := base64.StdEncoding.EncodeToString([]byte("blob"))
			_, _ = io.WriteString(w, `{"KeyId":"arn:aws:kms:`+testRegion+`:`+testAcct+`:key/0d0466b0-e727-4d9c-b35d-f84bb474a37f",`+
				`"KeyPairSpec":"ECC_NIST_P256","PublicKey":"`+blob+`","PrivateKeyCiphertextBlob":"`+blob+`"}`)
		case "TrentService.ListKeys":
			_, _ = io.WriteString(w, `{"Keys":[],"Truncated":false}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"UnknownOperationException"}`)
		}
	}
}

func newKMSClient(s *verifyServer, ak, sk string) *kms.Client {
	return kms.New(kms.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   s.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk, Source: "test"}, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
}

// TestKMSClient: a real KMS client's requests verify, with the headers
// every AWS dialect may require signed; calls identical in everything but
// the SDK's invocation id are not replays, nor is a retry.
func TestKMSClient(t *testing.T) {
	var failFirst atomic.Bool
	a := auth.SigV4(testCredentials(t), auth.WithRegion(testRegion),
		auth.WithRequiredSignedHeaders("x-amz-target", "content-type"))
	s := newVerifyServer(t, a, kmsReply(&failFirst))
	c := newKMSClient(s, testAK, testSK)
	ctx := context.Background()

	in := &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String("alias/k"), KeyPairSpec: types.DataKeyPairSpecEccNistP256}
	for range 3 { // the same call, back to back, within one second
		out, err := c.GenerateDataKeyPairWithoutPlaintext(ctx, in)
		require.NoError(t, err)
		assert.Equal(t, types.DataKeyPairSpecEccNistP256, out.KeyPairSpec)
	}
	_, err := c.ListKeys(ctx, &kms.ListKeysInput{})
	require.NoError(t, err)

	failFirst.Store(true)
	_, err = c.ListKeys(ctx, &kms.ListKeysInput{})
	require.NoError(t, err, "the retry is signed anew")

	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(t, s.refused)
	require.Len(t, s.accepted, 6)
	for _, p := range s.accepted {
		assert.Equal(t, "svc", p.Name)
		assert.Equal(t, auth.MethodSigV4, p.Method)
		assert.True(t, p.AllowsProject(testAcct))
	}
}

// TestKMSClientRefused: a wrong secret key and an unknown access key reach
// the client as the same authentication error.
func TestKMSClientRefused(t *testing.T) {
	s := newVerifyServer(t, auth.SigV4(testCredentials(t), auth.WithRegion(testRegion)), kmsReply(nil))
	ctx := context.Background()
	var msgs []string
	for _, creds := range [][2]string{{testAK, "wrong-secret"}, {"AKIAECDKPUNKNOWN0001", testSK}} {
		_, err := newKMSClient(s, creds[0], creds[1]).ListKeys(ctx, &kms.ListKeysInput{})
		require.Error(t, err)
		msgs = append(msgs, err.Error()[len(err.Error())-len("signature does not match or access key unknown"):])
		assert.Contains(t, err.Error(), "UnrecognizedClientException")
	}
	assert.Equal(t, msgs[0], msgs[1])
	assert.Equal(t, "signature does not match or access key unknown", msgs[0])
}
