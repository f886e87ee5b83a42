package provider

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// Provider performs create-ec-datakey-pair and its decrypt counterpart over
// a KeyStore. It is safe for concurrent use; it keeps no global state.
type Provider struct {
	keys     keystore.KeyStore
	authz    Authorizer
	auditor  Auditor
	observer Observer
	replay   keystore.ReplayWindow

	attest         attest.Verifier
	attestOnce     sync.Once
	attestFailures *failureCache

	region string

	maxInFlight int64
	inFlight    atomic.Int64

	optErr error // the first invalid option, reported by New
}

// Observer is told what a server's metrics count beside the audit trail:
// how long key generation takes, and the key store's failures. Its methods
// are called on the request path: they must be cheap and safe for
// concurrent use.
type Observer interface {
	// KeyGenerated reports one key pair generated.
	KeyGenerated(spec curves.Spec, d time.Duration)
	// KeyStoreError reports a key store failure other than "not found".
	KeyStoreError(err error)
}

// WithObserver sets the Observer.
func WithObserver(o Observer) Option { return func(p *Provider) { p.observer = o } }

// DefaultRegion is the region of resource names unless WithRegion says
// otherwise.
const DefaultRegion = "us-east-1"

// WithRegion sets the region resource names carry (the Authorizer's
// AuthzRequest.Resource); the AWS dialect's ARNs use the same.
func WithRegion(region string) Option {
	return func(p *Provider) {
		if region == "" {
			p.optErr = errors.Join(p.optErr, errors.New("provider: WithRegion(\"\")"))
			return
		}
		p.region = region
	}
}

// Region is the region of the provider's resource names.
func (p *Provider) Region() string { return p.region }

// WithMaxInFlight caps the operations running at once: a request past the
// cap is refused at once with FailUnavailable rather than queued, so an
// overload is answered fast instead of growing a queue. Zero, the default,
// sets no cap.
func WithMaxInFlight(n int) Option {
	return func(p *Provider) {
		if n < 0 {
			p.optErr = errors.Join(p.optErr, errors.New("provider: WithMaxInFlight of a negative number"))
			return
		}
		p.maxInFlight = int64(n)
	}
}

// InFlight is the number of operations running now.
func (p *Provider) InFlight() int { return int(p.inFlight.Load()) }

// enter counts an operation in, refusing it past the cap; the caller calls
// p.leave when it is done.
func (p *Provider) enter() error {
	if n := p.inFlight.Add(1); p.maxInFlight > 0 && n > p.maxInFlight {
		p.inFlight.Add(-1)
		return Errorf(FailUnavailable, "%d requests are in flight, the most this server runs at once; retry later", p.maxInFlight)
	}
	return nil
}

func (p *Provider) leave() { p.inFlight.Add(-1) }

// Option configures a Provider. Options never fail themselves; New reports
// an invalid one.
type Option func(*Provider)

// WithAuthorizer sets the hook that decides every request after its master
// key is resolved and before any key material is generated or decrypted.
// A nil Authorizer makes New fail.
func WithAuthorizer(a Authorizer) Option {
	return func(p *Provider) {
		if a == nil {
			p.optErr = errors.Join(p.optErr, errors.New("provider: WithAuthorizer(nil)"))
			return
		}
		p.authz = a
	}
}

// New returns a Provider over keys.
func New(keys keystore.KeyStore, opts ...Option) (*Provider, error) {
	if keys == nil {
		return nil, errors.New("provider: nil KeyStore")
	}
	p := &Provider{
		keys:           keys,
		replay:         MemoryReplayWindow(DefaultReplayWindow),
		attestFailures: newFailureCache(attestFailureTTL, attestFailureMax, time.Now),
		region:         DefaultRegion,
	}
	for _, o := range opts {
		o(p)
	}
	if p.optErr != nil {
		return nil, p.optErr
	}
	return p, nil
}
