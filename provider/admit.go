package provider

import (
	"context"
	"errors"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// admission is what a request asks of its master key, the first step of
// both operations: what the Authorizer decides on and the sequence to
// record.
type admission struct {
	action   string
	keyID    string
	sequence string
	// keySpec is the data key pair's spec, "" when the request names none.
	keySpec string
	aad     string
	// holder holds the condition keys of the private key's second holder
	// (the wrapping algorithm, the attested PCRs); nil when there is none.
	holder map[string]string
}

// conditions are the condition keys of the request and its master key, as
// the Authorizer sees them.
func (a admission) conditions(md keystore.KeyMetadata) map[string]string {
	conds := make(map[string]string, 5+len(a.holder))
	if a.keySpec != "" {
		conds[CondKeySpec] = a.keySpec
	}
	if a.aad == "" {
		conds[CondEncryptionContextPresent] = "false"
	} else {
		conds[CondEncryptionContextPresent] = "true"
		conds[CondEncryptionContext] = a.aad
	}
	for k, v := range a.holder {
		conds[k] = v
	}
	conds[CondKeyUsage] = string(md.KeyUsage)
	conds[CondKeyOrigin] = string(md.Origin)
	return conds
}

// admitted is a request that passed admission.
type admitted struct {
	mk keystore.MasterKey
	md keystore.KeyMetadata
	// release gives the request's sequence back; the operation calls it
	// when it fails after admission.
	release func()
	// decision is the Authorizer's, nil when none ran.
	decision *Decision
}

// admit resolves the master key and checks its state and usage, asks the
// Authorizer, checks the caller has not given up, and claims the
// sequence: everything before key material is generated or decrypted.
func (p *Provider) admit(ctx context.Context, a admission) (admitted, error) {
	mk, md, err := p.resolveKey(ctx, a.keyID)
	if err != nil {
		return admitted{md: md}, err
	}
	d, err := p.authorize(ctx, a, md)
	if err != nil {
		return admitted{md: md, decision: d}, err
	}
	if err := ctx.Err(); err != nil {
		return admitted{md: md, decision: d}, Wrapf(FailCanceled, err, "request canceled before key material was generated or decrypted")
	}
	release, err := p.claim(ctx, CallerFrom(ctx), a.action, a.sequence)
	if err != nil {
		return admitted{md: md, decision: d}, err
	}
	return admitted{mk: mk, md: md, release: release, decision: d}, nil
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

// authorize runs the Authorizer, when one is set, and returns its
// decision.
func (p *Provider) authorize(ctx context.Context, a admission, md keystore.KeyMetadata) (*Decision, error) {
	if p.authz == nil {
		return nil, nil
	}
	req := &AuthzRequest{Action: a.action, KeyID: md.KeyID, Caller: CallerFrom(ctx), Conditions: a.conditions(md)}
	d, err := p.authz.Authorize(ctx, req)
	if err != nil {
		d.Allowed = false
		var e *Error
		if errors.As(err, &e) {
			return &d, e
		}
		return &d, Wrapf(FailForbidden, err, "%s on master key %s is not allowed", a.action, md.KeyID)
	}
	if !d.Allowed {
		return &d, Errorf(FailForbidden, "%s on master key %s is not allowed (%s)", a.action, md.KeyID, d.By)
	}
	return &d, nil
}
