package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// check is one named property of the target. fn returns nil when the
// property holds, a *skipError when it cannot be checked here, and an error
// saying what broke otherwise.
type check struct {
	name string
	fn   func(ctx context.Context, e *env) error
}

// skipError marks a check that does not apply to this target or machine.
type skipError struct{ reason string }

func (s *skipError) Error() string { return "skipped: " + s.reason }

func skip(format string, args ...any) error { return &skipError{fmt.Sprintf(format, args...)} }

// Run runs every check against target as subtests of t, one per check,
// named as in the package doc. WithKeyID is required. It fails t at once
// when Preflight does.
func Run(t *testing.T, target Target, opts ...Option) {
	t.Helper()
	e, err := newEnv(target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.preflight(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.checks() {
		t.Run(c.name, func(t *testing.T) {
			err := c.fn(t.Context(), e)
			var s *skipError
			switch {
			case err == nil:
			case errors.As(err, &s):
				t.Skip(s.reason)
			default:
				t.Error(err)
			}
		})
	}
}

// RunChecks runs every check against target outside go test and writes
// one line per check to w: "PASS name", "FAIL name: why" or "SKIP name:
// why", then the summary line "N passed, M failed". Skipped checks count
// as neither. A configuration error (no WithKeyID, say) is reported as the
// failed check "setup", and an endpoint that Preflight finds unusable
// (unreachable, refusing the credentials, without the key) as the failed
// check "preflight", without running the others.
func RunChecks(ctx context.Context, target Target, w io.Writer, opts ...Option) (passed, failed int) {
	e, err := newEnv(target, opts)
	if err != nil {
		fmt.Fprintf(w, "FAIL setup: %s\n", oneLine(err.Error()))
		fmt.Fprintf(w, "0 passed, 1 failed\n")
		return 0, 1
	}
	if err := e.preflight(ctx); err != nil {
		fmt.Fprintf(w, "FAIL preflight: %s; no check was run\n", oneLine(err.Error()))
		fmt.Fprintf(w, "0 passed, 1 failed\n")
		return 0, 1
	}
	for _, c := range e.checks() {
		err := c.fn(ctx, e)
		var s *skipError
		switch {
		case err == nil:
			passed++
			fmt.Fprintf(w, "PASS %s\n", c.name)
		case errors.As(err, &s):
			fmt.Fprintf(w, "SKIP %s: %s\n", c.name, oneLine(s.reason))
		default:
			failed++
			fmt.Fprintf(w, "FAIL %s: %s\n", c.name, oneLine(err.Error()))
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	return passed, failed
}

// oneLine folds a multi-line message onto one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", " | ")
}
