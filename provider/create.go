package provider

import (
	"context"
	"encoding/base64"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/wrap"
)

// CreateEcDatakeyPair generates a key pair of req.KeySpec and returns its
// public key, its private key sealed under the master key req.KeyID, and, at
// most one of: the plaintext private key (the default), the private key
// wrapped under the caller's key, or encrypted for an attested enclave.
// Every rejection is an *Error.
func (p *Provider) CreateEcDatakeyPair(ctx context.Context, req *CreateEcDatakeyPairRequest) (*CreateEcDatakeyPairResponse, error) {
	if req == nil {
		return nil, Errorf(FailMissingParameter, "request body is required")
	}
	if err := checkKeyID(req.KeyID); err != nil {
		return nil, err
	}
	curve, err := lookupSpec(req.KeySpec)
	if err != nil {
		return nil, err
	}
	if err := checkAAD(req.AdditionalAuthenticatedData); err != nil {
		return nil, err
	}
	if err := checkSequence(req.Sequence); err != nil {
		return nil, err
	}
	holder, err := p.holderFor(ctx, req, curve.Spec())
	if err != nil {
		return nil, err
	}
	withPlain := req.WithPlainText == nil || *req.WithPlainText
	if holder.w != nil {
		withPlain = false
	}

	mk, md, err := p.resolveKey(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	if p.authz != nil {
		conds := map[string]string{CondKeySpec: req.KeySpec}
		aadConds(conds, req.AdditionalAuthenticatedData)
		for k, v := range holder.conds {
			conds[k] = v
		}
		if err := p.authorize(ctx, ActionCreateDataKeyPair, md, conds); err != nil {
			return nil, err
		}
	}
	if err := canceled(ctx); err != nil {
		return nil, err
	}
	if err := p.checkReplay(CallerFrom(ctx), ActionCreateDataKeyPair, req.Sequence); err != nil {
		return nil, err
	}

	key, err := curve.GenerateKey()
	if err != nil {
		return nil, wrapErr(FailInternal, err, "generating a %s key failed", req.KeySpec)
	}
	defer key.Destroy()
	pkcs8, err := encoding.MarshalPKCS8(key)
	if err != nil {
		return nil, wrapErr(FailInternal, err, "encoding the %s private key failed", req.KeySpec)
	}
	defer clear(pkcs8)
	spki, err := encoding.MarshalSPKI(key.PublicKey())
	if err != nil {
		return nil, wrapErr(FailInternal, err, "encoding the %s public key failed", req.KeySpec)
	}

	aad := []byte(req.AdditionalAuthenticatedData)
	sealed, err := wrap.MasterKeyWrapper{Key: mk, Spec: curve.Spec()}.Wrap(ctx, pkcs8, aad)
	if err != nil {
		return nil, wrapErr(FailInternal, err, "sealing under master key %s failed", req.KeyID)
	}
	resp := &CreateEcDatakeyPairResponse{
		KeyID:                req.KeyID,
		KeySpec:              req.KeySpec,
		PublicKey:            base64.StdEncoding.EncodeToString(spki),
		PrivateKeyCipherText: base64.StdEncoding.EncodeToString(sealed),
	}
	switch {
	case holder.w != nil:
		out, err := holder.w.Wrap(ctx, pkcs8, aad)
		if err != nil {
			return nil, holderError(err)
		}
		*holder.field(resp) = base64.StdEncoding.EncodeToString(out)
	case withPlain:
		resp.PrivateKeyPlainText = base64.StdEncoding.EncodeToString(pkcs8)
	}
	return resp, nil
}

// aadConds fills the AAD condition keys.
func aadConds(conds map[string]string, aad string) {
	if aad == "" {
		conds[CondEncryptionContextPresent] = "false"
		return
	}
	conds[CondEncryptionContextPresent] = "true"
	conds[CondEncryptionContext] = aad
}

// specOf returns a curve's spec as the response string.
func specOf(c curves.Curve) string { return string(c.Spec()) }
