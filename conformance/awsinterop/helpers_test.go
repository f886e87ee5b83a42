package awsinterop

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/stretchr/testify/require"
)

const (
	testAK     = "AKIAECDKPINTEROP0001"
	testSK     = "awsinterop/SecretKey+0123456789abcdefghij"
	testRegion = "eu-central-1"
	testAcct   = "123456789012"
)

// payloadHash is what the SDK's signer is given for a body.
func payloadHash(body []byte) string {
	s := sha256.Sum256(body)
	return hex.EncodeToString(s[:])
}

// testCredentials binds testAK to principal "svc" in account testAcct.
func testCredentials(t *testing.T) *auth.Credentials {
	t.Helper()
	c, err := auth.NewCredentials(auth.Credential{Principal: "svc", Projects: []string{testAcct}, AccessKey: testAK, SecretKey: testSK})
	require.NoError(t, err)
	return c
}

// verifyServer is an HTTP server on 127.0.0.1 that answers 200 with the
// principal's name for a request a verifies, 401 with the error otherwise.
// reply, when set, writes the 200 answer instead.
type verifyServer struct {
	*httptest.Server
	mu       sync.Mutex
	accepted []auth.Principal
	refused  []string
}

func newVerifyServer(t *testing.T, a auth.Authenticator, reply func(w http.ResponseWriter, r *http.Request, body []byte)) *verifyServer {
	t.Helper()
	s := &verifyServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p, err := a.Authenticate(r, body)
		s.mu.Lock()
		if err != nil {
			s.refused = append(s.refused, err.Error())
		} else {
			s.accepted = append(s.accepted, p)
		}
		s.mu.Unlock()
		if err != nil {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": "UnrecognizedClientException", "message": err.Error()})
			return
		}
		if reply != nil {
			reply(w, r, body)
			return
		}
		_, _ = io.WriteString(w, p.Name)
	}))
	t.Cleanup(s.Close)
	return s
}
