package provider

import (
	"context"
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

// resolveKey looks a master key up and checks it may seal or open data keys.
func (p *Provider) resolveKey(ctx context.Context, keyID string) (keystore.MasterKey, keystore.KeyMetadata, error) {
	mk, err := p.keys.Key(ctx, keyID)
	if err != nil {
		if errors.Is(err, keystore.ErrKeyNotFound) {
			return nil, keystore.KeyMetadata{}, Wrapf(FailKeyNotFound, err, "master key %s does not exist", keyID)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, keystore.KeyMetadata{}, Wrapf(FailCanceled, ctxErr, "request canceled while resolving master key %s", keyID)
		}
		return nil, keystore.KeyMetadata{}, Wrapf(FailInternal, err, "key store failed to resolve master key %s", keyID)
	}
	md := mk.Metadata()
	switch md.KeyState {
	case keystore.KeyEnabled:
	case keystore.KeyDisabled:
		return nil, md, Errorf(FailKeyDisabled, "master key %s is disabled", keyID)
	case keystore.KeyPendingDeletion:
		return nil, md, Errorf(FailKeyPendingDeletion, "master key %s is pending deletion", keyID)
	case keystore.KeyPendingImport:
		return nil, md, Errorf(FailKeyPendingImport, "master key %s is pending import of its key material", keyID)
	default:
		return nil, md, Errorf(FailInternal, "master key %s has unknown state %q", keyID, md.KeyState)
	}
	if md.KeyUsage != keystore.UsageEncryptDecrypt {
		return nil, md, Errorf(FailKeyUsage, "master key %s has usage %s, this operation needs %s", keyID, md.KeyUsage, keystore.UsageEncryptDecrypt)
	}
	if _, ok := md.KeySpec.Algorithm(); !ok {
		return nil, md, Errorf(FailKeyUsage, "master key %s has spec %s, this operation needs AES_256 or SM4", keyID, md.KeySpec)
	}
	return mk, md, nil
}

// authorize runs the Authorizer, when one is set.
func (p *Provider) authorize(ctx context.Context, action string, md keystore.KeyMetadata, conds map[string]string) error {
	if p.authz == nil {
		return nil
	}
	conds[CondKeyUsage] = string(md.KeyUsage)
	conds[CondKeyOrigin] = string(md.Origin)
	req := &AuthzRequest{Action: action, KeyID: md.KeyID, Caller: CallerFrom(ctx), Conditions: conds}
	if err := p.authz.Authorize(ctx, req); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return Wrapf(FailForbidden, err, "%s on master key %s is not allowed", action, md.KeyID)
	}
	return nil
}

// canceled turns a done context into the request's error.
func canceled(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return Wrapf(FailCanceled, err, "request canceled before key material was generated")
	}
	return nil
}
