package sdkinterop_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	kms "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kms/v2"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
)

// Credentials and ids of the tests. The project id is 32 hex characters, as
// the handler requires; the SDK substitutes it into the path and sends it
// as X-Project-Id.
const (
	testAK    = "ECDKPSDKINTEROPAK001"
	testSK    = "sdkinterop-secret-key-0123456789abcdef"
	projectID = "5b1c3d9e7f0a4b2c8d6e4f1a3b5c7d9e"
	// unknownKeyID is a well-formed key_id no keyring holds.
	unknownKeyID = "0d0466b0-e727-4d9c-b35d-f84bb474a37f"
)

// exchange is one response of the handler as it went on the wire.
type exchange struct {
	path      string
	status    int
	requestID string
	body      []byte
}

// server is provider.NewHandler with AK/SK authentication on 127.0.0.1,
// behind a recorder of every response, over an in-memory keyring holding
// one enabled AES_256 master key.
type server struct {
	url   string
	p     *provider.Provider
	kr    *keyring.Keyring
	keyID string

	mu        sync.Mutex
	exchanges []exchange
}

// newServer starts a server that lives until the test ends.
func newServer(t *testing.T) *server {
	t.Helper()
	kr := keyring.New()
	md, err := kr.CreateKey(t.Context(), keystore.KeyParams{Spec: keystore.AES256, Project: projectID})
	require.NoError(t, err)
	p, err := provider.New(kr)
	require.NoError(t, err)
	h := huawei.NewHandler(p, huawei.WithAuthenticator(
		auth.AKSK(auth.StaticCredentials(map[string]string{testAK: testSK}))))

	s := &server{p: p, kr: kr, keyID: md.KeyID}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.exchanges = append(s.exchanges, exchange{
			path:      r.URL.Path,
			status:    rec.status,
			requestID: w.Header().Get(huawei.RequestIDHeader),
			body:      bytes.Clone(rec.body.Bytes()),
		})
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// recorded returns a copy of the responses seen so far.
func (s *server) recorded() []exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.exchanges)
}

// client returns an official KmsClient signing with ak/sk, its endpoint
// overridden to the server (plain http) and its project id fixed, so the
// SDK never calls IAM.
func (s *server) client(t *testing.T, ak, sk string) *kms.KmsClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(projectID).SafeBuild()
	require.NoError(t, err)
	hc, err := kms.KmsClientBuilder().
		WithEndpoints([]string{s.url}).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(time.Minute)).
		SafeBuild()
	require.NoError(t, err)
	return kms.NewKmsClient(hc)
}

// recorder remembers the status and body a handler writes.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
