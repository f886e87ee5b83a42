package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// TokenHeader is the header Token authentication reads.
const TokenHeader = "X-Auth-Token"

// TokenAuthenticator accepts requests whose X-Auth-Token header equals one
// configured token. Create it with Token.
type TokenAuthenticator struct {
	sum [sha256.Size]byte
	set bool
}

// Token returns an Authenticator that accepts requests whose X-Auth-Token
// header equals token. The comparison is constant time over SHA-256 digests
// of both values, so neither content nor length leaks. An empty token
// configures nothing: every request is then refused.
func Token(token string) *TokenAuthenticator {
	if token == "" {
		return &TokenAuthenticator{}
	}
	return &TokenAuthenticator{sum: sha256.Sum256([]byte(token)), set: true}
}

// Authenticate implements Authenticator.
func (t *TokenAuthenticator) Authenticate(r *http.Request, _ []byte) (Principal, error) {
	vals := r.Header.Values(TokenHeader)
	switch {
	case len(vals) == 0:
		return Principal{}, absent("missing %s header", TokenHeader)
	case len(vals) > 1:
		return Principal{}, reject("token: %d %s headers, want one", len(vals), TokenHeader)
	case vals[0] == "":
		return Principal{}, reject("token: empty %s header", TokenHeader)
	case !t.set:
		return Principal{}, reject("token: token authentication is not configured")
	}
	got := sha256.Sum256([]byte(vals[0]))
	if subtle.ConstantTimeCompare(got[:], t.sum[:]) != 1 {
		return Principal{}, reject("token: invalid %s", TokenHeader)
	}
	return Principal{ID: "token", Method: MethodToken}, nil
}
