package auth

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Authentication methods reported in Principal.Method.
const (
	MethodToken = "token"
	MethodAKSK  = "aksk"
	MethodSigV4 = "sigv4"
)

// Principal is the authenticated caller of one request.
type Principal struct {
	// ID names the credential: the access key for MethodAKSK and
	// MethodSigV4, "token" for MethodToken.
	ID string
	// Method is how the caller authenticated: MethodToken, MethodAKSK or
	// MethodSigV4.
	Method string
	// Name is the principal the credential belongs to (the "principal" of
	// the credentials file). One principal may hold several credentials.
	// The single-credential constructors name it after the credential:
	// "token" for Token, the access key for StaticCredentials.
	Name string
	// Projects are the project ids (Huawei project_id, AWS account id) the
	// principal may use (sorted, from a *Credentials); empty means every
	// project. It is shared
	// between requests: do not modify it.
	Projects []string
}

// AllowsProject reports whether the principal may act in project id: true
// when Projects is empty (a credential for every project) or contains id.
// Only a Principal returned by a successful Authenticate means anything;
// the zero Principal allows every project.
func (p Principal) AllowsProject(id string) bool {
	if len(p.Projects) == 0 {
		return true
	}
	return slices.Contains(p.Projects, id)
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
// what each expected. An Authorization header of one signature scheme is
// "no credential" for the other, so AKSK and SigV4 combine. Nil entries are
// ignored; with none left, every request is refused.
//
// Every entry sees the request, so each signature verifier records an
// accepted signature in its replay cache even when another entry's
// credential decides.
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
