package auth

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testAK = "AKTEST0000000000001"
	testSK = "sk-do-not-leak-0123456789abcdefghijkl"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func testAuthenticator(opts ...AKSKOption) *AKSKAuthenticator {
	opts = append([]AKSKOption{WithClock(func() time.Time { return testNow })}, opts...)
	return AKSK(StaticCredentials(map[string]string{testAK: testSK}), opts...)
}

// signedServerRequest returns a request as a server sees it, signed with
// testAK/testSK at signedAt, with the headers the official SDK sends.
func signedServerRequest(t *testing.T, method, target string, body []byte, signedAt time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0; ecdkp-test")
	r.Header.Set("X-Project-Id", "p1")
	require.NoError(t, Sign(r, body, testAK, testSK, signedAt))
	return r
}
