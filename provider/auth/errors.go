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
// credential for the scheme at all (no Authorization header, no X-Auth-Token
// header). It wraps ErrUnauthenticated. [Any] uses it to tell a missing
// credential from a wrong one.
var ErrNoCredentials = fmt.Errorf("%w: no credentials presented", ErrUnauthenticated)

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
