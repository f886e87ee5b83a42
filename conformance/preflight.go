package conformance

import (
	"context"
	"fmt"

	"github.com/ecdkp/ecdkp/provider"
)

// PreflightError says why the suite cannot run against a target at all:
// the endpoint cannot be reached, does not answer as a KMS of the
// dialect, refuses the credentials, or has no usable key WithKeyID.
type PreflightError struct {
	// Reason is what is wrong, in a few words.
	Reason string
	// Err is the first request's error.
	Err error
}

// Error implements error.
func (p *PreflightError) Error() string {
	return "conformance: " + p.Reason + ": " + oneLine(p.Err.Error())
}

// Unwrap returns the first request's error.
func (p *PreflightError) Unwrap() error { return p.Err }

// Preflight makes the suite's first request (a create of the first spec
// under WithKeyID's key, with the dialect's defaults) and returns a
// *PreflightError when the answer means no check can pass: a transport
// failure, an error response without the dialect's error body, a refusal
// of the credentials, or a key that does not exist or is disabled. Any
// other answer, a refusal the checks will report included, is nil. Run
// and RunChecks call it first and stop when it fails; a command can call
// it to say so before running anything.
func Preflight(ctx context.Context, target Target, opts ...Option) error {
	e, err := newEnv(target, opts)
	if err != nil {
		return err
	}
	return e.preflight(ctx)
}

// preflight makes the first cell's create (kept for the checks that use
// it) and classifies its error.
func (e *env) preflight(ctx context.Context) error {
	_, _, err := e.create(ctx, cell{e.dialect, e.cfg.specs[0], plainAbsent, false})
	if err == nil {
		return nil
	}
	r, ok := asRefusalIn(e.dialect, err)
	switch {
	case !ok:
		return &PreflightError{"the endpoint cannot be reached", err}
	case r.Code == "":
		return &PreflightError{fmt.Sprintf("the endpoint does not answer as a KMS of the %s dialect", e.dialect), err}
	case authenticationRefused(e.dialect, r):
		return &PreflightError{"the endpoint refuses the credentials", err}
	case r.Code == e.want(provider.FailKeyNotFound).code && r.Status == e.want(provider.FailKeyNotFound).status,
		r.Code == e.want(provider.FailKeyDisabled).code && r.Status == e.want(provider.FailKeyDisabled).status:
		return &PreflightError{fmt.Sprintf("master key %s is not an enabled key of the endpoint", e.cfg.keyID), err}
	}
	return nil
}
