package auth

import (
	"errors"
	"fmt"
)

// ErrUnauthenticated is wrapped by every rejection of every Authenticator in
// this package. Test with errors.Is; the message of the wrapping error says
// what was wrong.
var ErrUnauthenticated = errors.New("auth: unauthenticated")

// ErrNoCredentials is wrapped by the rejections of requests that carried no
// credential for the scheme at all (no Authorization header, an
// Authorization header of another scheme, no X-Auth-Token header). It wraps
// ErrUnauthenticated. [Any] uses it to tell a missing credential from a
// wrong one.
var ErrNoCredentials = fmt.Errorf("%w: no credentials presented", ErrUnauthenticated)

// ErrReplayed is wrapped by the rejection of a request whose signature was
// already accepted within the skew window (see the package doc). It wraps
// ErrUnauthenticated. A [ReplayCache] returns an error wrapping it for a
// signature it has seen.
var ErrReplayed = fmt.Errorf("%w: replayed request", ErrUnauthenticated)

// ErrReplayCacheFull is wrapped by the rejection of a correctly signed
// request that the replay cache has no room to remember: the access key
// signed more requests within the skew window than the cache holds for one
// key. It wraps ErrUnauthenticated; a dialect may answer it with "throttled"
// (HTTP 429) rather than 401, since the signature was good. A [ReplayCache]
// returns an error wrapping it when it is full.
var ErrReplayCacheFull = fmt.Errorf("%w: too many recent requests for this access key", ErrUnauthenticated)

// mismatch is the one message for a signature that does not verify and for
// an access key that is unknown: telling them apart would let a caller
// enumerate access keys.
const mismatch = "signature does not match or access key unknown"

// reject returns an error wrapping ErrUnauthenticated. Callers must never
// pass secrets (secret keys, tokens, expected signatures) as arguments.
func reject(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnauthenticated}, args...)...)
}

// absent returns an error wrapping ErrNoCredentials.
func absent(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNoCredentials}, args...)...)
}

// clip shortens client-supplied text before it goes into an error message.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
