package provider

import (
	"errors"
	"sync"
	"time"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Provider performs create-ec-datakey-pair and its decrypt counterpart over
// a KeyStore. It is safe for concurrent use; it keeps no global state.
type Provider struct {
	keys  keystore.KeyStore
	authz Authorizer
	seqs  *sequenceCache

	attest     wrap.AttestationVerifier
	attestOnce sync.Once
}

// Option configures a Provider.
type Option func(*Provider) error

// WithAuthorizer sets the hook that decides every request after its master
// key is resolved and before any key material is generated or decrypted.
func WithAuthorizer(a Authorizer) Option {
	return func(p *Provider) error {
		if a == nil {
			return errors.New("provider: WithAuthorizer(nil)")
		}
		p.authz = a
		return nil
	}
}

// New returns a Provider over keys.
func New(keys keystore.KeyStore, opts ...Option) (*Provider, error) {
	if keys == nil {
		return nil, errors.New("provider: nil KeyStore")
	}
	p := &Provider{keys: keys, seqs: newSequenceCache(DefaultReplayWindow, time.Now)}
	for _, o := range opts {
		if err := o(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}
