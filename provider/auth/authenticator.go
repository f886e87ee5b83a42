package auth

import (
	"errors"
	"net/http"
	"strings"
)

// Authentication methods reported in Principal.Method.
const (
	MethodToken = "token"
	MethodAKSK  = "aksk"
)

// Principal is the authenticated caller of one request.
type Principal struct {
	// ID names the caller: the access key for MethodAKSK, "token" for
	// MethodToken.
	ID string
	// Method is how the caller authenticated: MethodToken or MethodAKSK.
	Method string
}

// Authenticator authenticates one HTTP request. body is the request body the
// handler has already read (signatures cover its hash); the Authenticator
// must not read r.Body. Every error wraps ErrUnauthenticated.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) (Principal, error)
}

// anyOf is the Authenticator returned by Any.
type anyOf []Authenticator

// Any returns an Authenticator that accepts a request when at least one of
// auths accepts it and none of the credentials the request presents is
// wrong: a request carrying a valid token and a bad signature is refused,
// whatever the order of auths. A request that presents no credential for
// any of them is refused with an error wrapping ErrNoCredentials that lists
// what each expected. Nil entries are ignored; with none left, every request
// is refused.
func Any(auths ...Authenticator) Authenticator {
	a := make(anyOf, 0, len(auths))
	for _, x := range auths {
		if x != nil {
			a = append(a, x)
		}
	}
	return a
}

// Authenticate implements Authenticator.
func (a anyOf) Authenticate(r *http.Request, body []byte) (Principal, error) {
	if len(a) == 0 {
		return Principal{}, reject("no authentication method configured")
	}
	var (
		found   bool
		first   Principal
		missing []string
	)
	for _, x := range a {
		p, err := x.Authenticate(r, body)
		switch {
		case err == nil:
			if !found {
				found, first = true, p
			}
		case errors.Is(err, ErrNoCredentials):
			missing = append(missing, strings.TrimPrefix(err.Error(), ErrNoCredentials.Error()+": "))
		default:
			return Principal{}, err
		}
	}
	if found {
		return first, nil
	}
	return Principal{}, absent("%s", strings.Join(missing, "; "))
}
