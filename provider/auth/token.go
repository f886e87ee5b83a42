package auth

import (
	"crypto/sha256"
	"net/http"
)

// TokenHeader is the header Token authentication reads.
const TokenHeader = "X-Auth-Token"

// TokenAuthenticator accepts requests whose X-Auth-Token header is a
// configured token. Create it with Token or Tokens.
type TokenAuthenticator struct {
	lookup TokenLookup
}

// Token returns an Authenticator that accepts requests whose X-Auth-Token
// header equals token: the single dev-loop credential, principal "token",
// every project. The comparison is constant time over SHA-256 digests of
// both values, so neither content nor length leaks. An empty token
// configures nothing: every request is then refused.
func Token(token string) *TokenAuthenticator {
	if token == "" {
		return &TokenAuthenticator{}
	}
	c := &Credentials{tokens: []tokenEntry{{sum: sha256.Sum256([]byte(token)), p: Principal{Name: "token"}}}}
	return &TokenAuthenticator{lookup: c}
}

// Tokens returns an Authenticator that accepts requests whose X-Auth-Token
// header is one of lookup's tokens (a *Credentials compares it with every
// token in constant time), reporting that token's principal. A nil lookup
// configures nothing: every request is then refused.
func Tokens(lookup TokenLookup) *TokenAuthenticator {
	return &TokenAuthenticator{lookup: lookup}
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
	case t.lookup == nil:
		return Principal{}, reject("token: token authentication is not configured")
	}
	p, ok := t.lookup.LookupToken(vals[0])
	if !ok {
		return Principal{}, reject("token: invalid %s", TokenHeader)
	}
	p.ID, p.Method = "token", MethodToken
	return p, nil
}
