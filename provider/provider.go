package provider

import (
	"errors"
	"sync"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Provider performs create-ec-datakey-pair and its decrypt counterpart over
// a KeyStore. It is safe for concurrent use; it keeps no global state.
type Provider struct {
	keys   keystore.KeyStore
	authz  Authorizer
	replay keystore.ReplayWindow

	attest     wrap.AttestationVerifier
	attestOnce sync.Once

	optErr error // the first invalid option, reported by New
}

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
	p := &Provider{keys: keys, replay: MemoryReplayWindow(DefaultReplayWindow)}
	for _, o := range opts {
		o(p)
	}
	if p.optErr != nil {
		return nil, p.optErr
	}
	return p, nil
}
