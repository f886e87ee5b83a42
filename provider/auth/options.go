package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultMaxSkew is how far a signed request's date (X-Sdk-Date,
// X-Amz-Date) may be from the verifier's clock, in either direction, unless
// WithMaxSkew says otherwise. It is also how long an accepted signature is
// remembered past its date (see [ReplayCache]).
const DefaultMaxSkew = 5 * time.Minute

// Option configures the signature verifiers, [AKSK] and [SigV4]. Options
// that concern one scheme only say so and are ignored by the other.
type Option func(*config)

// AKSKOption is the former name of Option, kept so that existing callers
// compile.
type AKSKOption = Option

// config is what the options set; each verifier starts from its own
// defaults.
type config struct {
	now      func() time.Time
	maxSkew  time.Duration
	required []string
	replay   ReplayCache
	region   string
	service  string
}

// newConfig applies opts over the defaults shared by both schemes and the
// scheme's own required signed headers.
func newConfig(required []string, opts []Option) config {
	c := config{
		now:      time.Now,
		maxSkew:  DefaultMaxSkew,
		required: required,
		region:   DefaultRegion,
		service:  DefaultService,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.replay == nil {
		c.replay = NewMemoryReplayCache(0)
	}
	return c
}

// WithClock sets the clock request dates are checked against (time.Now by
// default). A nil clock is ignored.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithMaxSkew sets how far a request's date may be from the clock, in
// either direction; the bound itself is accepted. Non-positive values are
// ignored (DefaultMaxSkew stays). A larger skew makes the replay cache
// remember each signature longer.
func WithMaxSkew(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.maxSkew = d
		}
	}
}

// WithRequiredSignedHeaders makes the named headers (any case) mandatory in
// SignedHeaders, on top of those the scheme always requires: x-sdk-date for
// AK/SK, host and x-amz-date for SigV4. The official Huawei SDK signs
// user-agent, x-project-id and x-sdk-date, but not host: requiring "host"
// for AK/SK refuses it. For SigV4 every AWS SDK signs x-amz-target and
// content-type, so a JSON 1.1 dialect may require both.
func WithRequiredSignedHeaders(names ...string) Option {
	return func(c *config) {
		for _, n := range names {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !slices.Contains(c.required, n) {
				c.required = append(c.required, n)
			}
		}
	}
}

// WithReplayCache sets where accepted signatures are remembered. By default
// each verifier has its own [MemoryReplayCache] with
// DefaultReplayEntriesPerKey; give the AK/SK and SigV4 verifiers one shared
// cache (and, in a fleet, one cache shared by every replica) so that the
// bound is per access key across both schemes. A nil cache is ignored:
// replay detection cannot be turned off.
func WithReplayCache(rc ReplayCache) Option {
	return func(c *config) {
		if rc != nil {
			c.replay = rc
		}
	}
}

// WithRegion sets the region a SigV4 credential scope must name
// (DefaultRegion by default). Empty is ignored. AK/SK ignores it.
func WithRegion(region string) Option {
	return func(c *config) {
		if region != "" {
			c.region = region
		}
	}
}

// WithService sets the service a SigV4 credential scope must name
// (DefaultService by default). Empty is ignored. AK/SK ignores it.
func WithService(service string) Option {
	return func(c *config) {
		if service != "" {
			c.service = service
		}
	}
}

// checkSkew refuses a date more than maxSkew from now (either direction).
func (c *config) checkSkew(scheme, header, date string, t, now time.Time) error {
	if skew := now.Sub(t); skew > c.maxSkew || skew < -c.maxSkew {
		return reject("%s: %s %s is outside ±%s of the server time", scheme, header, date, c.maxSkew)
	}
	return nil
}

// missingRequired returns the first required header that signed (sorted)
// lacks, or "".
func (c *config) missingRequired(signed []string) string {
	for _, req := range c.required {
		if _, found := slices.BinarySearch(signed, req); !found {
			return req
		}
	}
	return ""
}

// admit records an accepted signature in the replay cache, to be
// remembered until signedAt+maxSkew, the last instant the skew check still
// accepts it.
func (c *config) admit(ctx context.Context, scheme, accessKey string, sig []byte, now, signedAt time.Time) error {
	err := c.replay.Admit(ctx, accessKey, sig, now, signedAt.Add(c.maxSkew))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrReplayed):
		return fmt.Errorf("%w: %s: this signature was already accepted; sign every request anew "+
			"(identical requests signed within the same second carry the same signature: add a unique header, or retry signed a second later)", ErrReplayed, scheme)
	case errors.Is(err, ErrReplayCacheFull):
		return fmt.Errorf("%w: %s: the replay cache holds no more signatures of this access key within ±%s; retry later",
			ErrReplayCacheFull, scheme, c.maxSkew)
	default:
		return fmt.Errorf("%w: %s: replay check failed: %w", ErrUnauthenticated, scheme, err)
	}
}
