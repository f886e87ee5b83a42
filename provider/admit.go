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
	// context is the AWS EncryptionContext, nil when the request has none.
	context map[string]string
	// dryRun stops an admitted request with FailDryRun.
	dryRun bool
	// holder is the private key's second holder: a Holder* kind, and for
	// HolderWrappingKey the algorithm.
	holder, wrappingAlgorithm string
	// recipient, when the request has one, is verified once the caller is
	// authorized as far as the key; its PCRs are the last condition keys.
	recipient *recipientHolder
}

// admitted is a request that passed admission.
type admitted struct {
	mk keystore.MasterKey
	md keystore.KeyMetadata
	// release gives the request's sequence back; the operation calls it
	// when it fails after admission.
	release func()
	// decision is the Authorizer's last, nil when none ran.
	decision *Decision
	// az is the request's conversation with the Authorizer (nil without
	// one), for a decision on what only opening the envelope tells.
	az *authz
}

// admit does, in this order, everything before key material is generated
// or decrypted: ask the Authorizer about what the request says; resolve
// the master key in the caller's project; ask again with what the key
// says; check the key's state and usage; verify the recipient's
// attestation (only for a caller allowed so far) and ask a last time;
// check the caller has not given up; claim the sequence.
func (p *Provider) admit(ctx context.Context, a admission) (admitted, error) {
	var out admitted
	az := p.newAuthz(ctx, a)
	out.az = az
	if err := az.ask(ctx, PhaseRequest, &out.decision); err != nil {
		return out, err
	}
	mk, md, err := p.lookup(ctx, a.keyID)
	if err != nil {
		return out, err
	}
	out.md = md
	az.addKey(md)
	phase := PhaseFinal
	if a.recipient != nil {
		phase = PhaseKey
	}
	if err := az.ask(ctx, phase, &out.decision); err != nil {
		return out, err
	}
	if err := checkUsable(md); err != nil {
		return out, err
	}
	if a.recipient != nil {
		conds, err := p.verifyRecipient(a.recipient)
		if err != nil {
			return out, err
		}
		az.addAttestation(conds)
		if err := az.ask(ctx, PhaseFinal, &out.decision); err != nil {
			return out, err
		}
	}
	if err := ctx.Err(); err != nil {
		return out, Wrapf(FailCanceled, err, "request canceled before key material was generated or decrypted")
	}
	if a.dryRun {
		return out, Errorf(FailDryRun, "the request would have succeeded; DryRun was set")
	}
	release, err := p.claim(ctx, CallerFrom(ctx), a.action, a.sequence)
	if err != nil {
		return out, err
	}
	out.mk, out.release = mk, release
	return out, nil
}

// lookup resolves a master key id in the caller's project: a key of
// another project is "not found" exactly as a key that does not exist.
func (p *Provider) lookup(ctx context.Context, keyID string) (keystore.MasterKey, keystore.KeyMetadata, error) {
	mk, err := p.keys.Key(ctx, keyID)
	if err == nil {
		md := mk.Metadata()
		if project := CallerFrom(ctx).ProjectID; project == "" || md.Project == project {
			return mk, md, nil
		}
		err = keystore.ErrKeyNotFound
	}
	if errors.Is(err, keystore.ErrKeyNotFound) {
		return nil, keystore.KeyMetadata{}, Wrapf(FailKeyNotFound, keystore.ErrKeyNotFound, "master key %s does not exist", keyID)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, keystore.KeyMetadata{}, Wrapf(FailCanceled, ctxErr, "request canceled while resolving master key %s", keyID)
	}
	if p.observer != nil {
		p.observer.KeyStoreError(err)
	}
	if errors.Is(err, keystore.ErrUnavailable) {
		return nil, keystore.KeyMetadata{}, Wrapf(FailUnavailable, err, "the key store cannot vouch for master key %s now; retry later", keyID)
	}
	return nil, keystore.KeyMetadata{}, Wrapf(FailInternal, err, "key store failed to resolve master key %s", keyID)
}

// checkUsable checks a master key's state and usage allow sealing or
// opening data keys.
func checkUsable(md keystore.KeyMetadata) error {
	switch md.KeyState {
	case keystore.KeyEnabled:
	case keystore.KeyDisabled:
		return Errorf(FailKeyDisabled, "master key %s is disabled", md.KeyID)
	case keystore.KeyPendingDeletion:
		return Errorf(FailKeyPendingDeletion, "master key %s is pending deletion", md.KeyID)
	case keystore.KeyPendingImport:
		return Errorf(FailKeyPendingImport, "master key %s is pending import of its key material", md.KeyID)
	default:
		return Errorf(FailInternal, "master key %s has unknown state %q", md.KeyID, md.KeyState)
	}
	if md.KeyUsage != keystore.UsageEncryptDecrypt {
		return Errorf(FailKeyUsage, "master key %s has usage %s, this operation needs %s", md.KeyID, md.KeyUsage, keystore.UsageEncryptDecrypt)
	}
	if _, ok := md.KeySpec.Algorithm(); !ok {
		return Errorf(FailKeyUsage, "master key %s has spec %s, this operation needs AES_256 or SM4", md.KeyID, md.KeySpec)
	}
	return nil
}

// authz is one request's conversation with the Authorizer; nil when the
// provider has none.
type authz struct {
	p   *Provider
	req AuthzRequest
}

func (p *Provider) newAuthz(ctx context.Context, a admission) *authz {
	if p.authz == nil {
		return nil
	}
	caller := CallerFrom(ctx)
	conds := make(map[string][]string, 12)
	if a.keySpec != "" {
		conds[CondKeySpec] = []string{a.keySpec}
		conds[CondDataKeyPairSpec] = conds[CondKeySpec]
	}
	if a.holder != "" {
		conds[CondHolder] = []string{a.holder}
		conds[CondWithPlainText] = []string{boolString(a.holder == HolderPlaintext)}
	}
	if a.wrappingAlgorithm != "" {
		conds[CondWrappingAlgorithm] = []string{a.wrappingAlgorithm}
	}
	conds[CondEncryptionContextPresent] = []string{boolString(a.aad != "" || len(a.context) > 0)}
	if a.aad != "" {
		conds[CondEncryptionContext] = []string{a.aad}
	}
	if len(a.context) > 0 {
		keys := make([]string, 0, len(a.context))
		for k, v := range a.context {
			conds[CondEncryptionContextPrefix+k] = []string{v}
			keys = append(keys, k)
		}
		conds[CondEncryptionContextKeys] = keys
	}
	if caller.ProjectID != "" {
		conds[CondProject] = []string{caller.ProjectID}
	}
	return &authz{p: p, req: AuthzRequest{
		Action: a.action, Resource: ResourceName(p.region, caller.ProjectID, a.keyID), KeyID: a.keyID,
		Caller: caller, Conditions: conds,
	}}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (z *authz) addKey(md keystore.KeyMetadata) {
	if z == nil {
		return
	}
	z.req.Conditions[CondKeyUsage] = []string{string(md.KeyUsage)}
	z.req.Conditions[CondKeyOrigin] = []string{string(md.Origin)}
}

// setKeySpec sets the data key pair's spec, once an envelope v1 opened
// without a key_spec has told it.
func (z *authz) setKeySpec(spec string) {
	if z == nil {
		return
	}
	z.req.Conditions[CondKeySpec] = []string{spec}
	z.req.Conditions[CondDataKeyPairSpec] = z.req.Conditions[CondKeySpec]
}

func (z *authz) addAttestation(conds map[string]string) {
	if z == nil {
		return
	}
	for k, v := range conds {
		z.req.Conditions[k] = []string{v}
	}
}

// ask asks the Authorizer at phase, recording its decision in *d.
func (z *authz) ask(ctx context.Context, phase AuthzPhase, d **Decision) error {
	if z == nil {
		return nil
	}
	z.req.Phase = phase
	dec, err := z.p.authz.Authorize(ctx, &z.req)
	*d = &dec
	if err != nil {
		dec.Allowed = false
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return Wrapf(FailForbidden, err, "%s on master key %s is not allowed", z.req.Action, z.req.KeyID)
	}
	if !dec.Allowed {
		return Errorf(FailForbidden, "%s on master key %s is not allowed (%s)", z.req.Action, z.req.KeyID, dec.By)
	}
	return nil
}
