package provider

import (
	"context"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// Key management: what the AWS dialect's CreateKey, DescribeKey, ListKeys,
// EnableKey, DisableKey, ScheduleKeyDeletion and CancelKeyDeletion do,
// each authorized (the actions kms:cmk:create ... of the package doc), held
// to the caller's project and audited, as the data key operations are.
// They need a key store that is a keystore.KeyManager; with any other,
// they fail with FailUnsupported. A master key is never deleted: a key
// pending deletion refuses every use until its deletion is canceled, and
// its material stays, so no envelope is ever lost.

// manager returns the key store as a KeyManager.
func (p *Provider) manager() (keystore.KeyManager, error) {
	m, ok := p.keys.(keystore.KeyManager)
	if !ok {
		return nil, Errorf(FailUnsupported, "this key store does not manage keys")
	}
	return m, nil
}

// CreateKey creates an enabled master key in the caller's project (or, in
// process, in params.Project).
func (p *Provider) CreateKey(ctx context.Context, params keystore.KeyParams) (md keystore.KeyMetadata, err error) {
	var d *Decision
	defer func() { p.auditKey(ctx, ActionCreateKey, md.KeyID, d, err) }()
	m, err := p.manager()
	if err != nil {
		return md, err
	}
	caller := CallerFrom(ctx)
	if caller.ProjectID != "" {
		if params.Project != "" && params.Project != caller.ProjectID {
			return md, Errorf(FailForbidden, "a key of project %s cannot be created from project %s", params.Project, caller.ProjectID)
		}
		params.Project = caller.ProjectID
	}
	if _, ok := params.Spec.Algorithm(); !ok {
		return md, Errorf(FailUnsupported, "master key spec %q is not supported; use %s or %s", params.Spec, keystore.AES256, keystore.SM4)
	}
	az := p.keyAuthz(ctx, ActionCreateKey, "*")
	if az != nil {
		az.req.Conditions[CondKeySpec] = []string{string(params.Spec)}
	}
	if err := az.ask(ctx, PhaseRequest, &d); err != nil {
		return md, err
	}
	if err := az.ask(ctx, PhaseFinal, &d); err != nil {
		return md, err
	}
	if md, err = m.CreateKey(ctx, params); err != nil {
		return md, Wrapf(FailInternal, err, "creating a %s master key failed", params.Spec)
	}
	return md, nil
}

// DescribeKey returns a master key's metadata.
func (p *Provider) DescribeKey(ctx context.Context, keyID string) (keystore.KeyMetadata, error) {
	return p.keyOp(ctx, ActionDescribeKey, keyID, nil)
}

// ListKeys lists the master keys of the caller's project (every key, in
// process).
func (p *Provider) ListKeys(ctx context.Context) (out []keystore.KeyMetadata, err error) {
	var d *Decision
	defer func() { p.auditKey(ctx, ActionListKeys, "", d, err) }()
	m, err := p.manager()
	if err != nil {
		return nil, err
	}
	az := p.keyAuthz(ctx, ActionListKeys, "*")
	if err := az.ask(ctx, PhaseRequest, &d); err != nil {
		return nil, err
	}
	if err := az.ask(ctx, PhaseFinal, &d); err != nil {
		return nil, err
	}
	all, err := m.ListKeys(ctx)
	if err != nil {
		return nil, Wrapf(FailInternal, err, "listing master keys failed")
	}
	project := CallerFrom(ctx).ProjectID
	for _, md := range all {
		if project == "" || md.Project == project {
			out = append(out, md)
		}
	}
	return out, nil
}

// EnableKey enables a disabled master key.
func (p *Provider) EnableKey(ctx context.Context, keyID string) (keystore.KeyMetadata, error) {
	return p.keyOp(ctx, ActionEnableKey, keyID, setState(keystore.KeyEnabled, keystore.KeyEnabled, keystore.KeyDisabled))
}

// DisableKey disables an enabled master key: it seals and opens nothing
// until it is enabled again.
func (p *Provider) DisableKey(ctx context.Context, keyID string) (keystore.KeyMetadata, error) {
	return p.keyOp(ctx, ActionDisableKey, keyID, setState(keystore.KeyDisabled, keystore.KeyEnabled, keystore.KeyDisabled))
}

// ScheduleKeyDeletion moves a master key to PendingDeletion: it refuses
// every use, and is never deleted (see above).
func (p *Provider) ScheduleKeyDeletion(ctx context.Context, keyID string) (keystore.KeyMetadata, error) {
	return p.keyOp(ctx, ActionScheduleDeletion, keyID, setState(keystore.KeyPendingDeletion, keystore.KeyEnabled, keystore.KeyDisabled, keystore.KeyPendingDeletion))
}

// CancelKeyDeletion moves a key pending deletion back to Disabled, as AWS
// KMS does.
func (p *Provider) CancelKeyDeletion(ctx context.Context, keyID string) (keystore.KeyMetadata, error) {
	return p.keyOp(ctx, ActionCancelDeletion, keyID, setState(keystore.KeyDisabled, keystore.KeyPendingDeletion))
}

// keyChange is what a key operation does to the key, nil for a read.
type keyChange func(ctx context.Context, m keystore.KeyManager, md keystore.KeyMetadata) (keystore.KeyMetadata, error)

// setState moves a key to state from one of the states in from.
func setState(state keystore.KeyState, from ...keystore.KeyState) keyChange {
	return func(ctx context.Context, m keystore.KeyManager, md keystore.KeyMetadata) (keystore.KeyMetadata, error) {
		ok := false
		for _, s := range from {
			ok = ok || md.KeyState == s
		}
		if !ok {
			return md, Errorf(FailInvalidState, "master key %s is %s, which does not allow this", md.KeyID, md.KeyState)
		}
		if md.KeyState == state {
			return md, nil
		}
		out, err := m.SetKeyState(ctx, md.KeyID, state)
		if err != nil {
			return md, Wrapf(FailInternal, err, "changing the state of master key %s failed", md.KeyID)
		}
		return out, nil
	}
}

// keyOp runs one operation on an existing key: asked on what the request
// says, looked up in the caller's project, asked on what the key says,
// then done.
func (p *Provider) keyOp(ctx context.Context, action, keyID string, change keyChange) (md keystore.KeyMetadata, err error) {
	var d *Decision
	defer func() { p.auditKey(ctx, action, keyID, d, err) }()
	m, err := p.manager()
	if err != nil {
		return md, err
	}
	if err := checkKeyID(keyID); err != nil {
		return md, err
	}
	az := p.keyAuthz(ctx, action, keyID)
	if err := az.ask(ctx, PhaseRequest, &d); err != nil {
		return md, err
	}
	_, md, err = p.lookup(ctx, keyID)
	if err != nil {
		return md, err
	}
	az.addKey(md)
	if err := az.ask(ctx, PhaseFinal, &d); err != nil {
		return md, err
	}
	if change == nil {
		return md, nil
	}
	return change(ctx, m, md)
}

// keyAuthz is the Authorizer conversation of a key management request.
func (p *Provider) keyAuthz(ctx context.Context, action, keyID string) *authz {
	return p.newAuthz(ctx, admission{action: action, keyID: keyID})
}

// auditKey records a key management request.
func (p *Provider) auditKey(ctx context.Context, action, keyID string, d *Decision, err error) {
	if p.auditor == nil {
		return
	}
	r := &AuditRecord{Action: action, KeyID: keyID, Holder: HolderNone, Decision: d}
	r.setOutcome(err)
	p.Audit(ctx, r)
}
