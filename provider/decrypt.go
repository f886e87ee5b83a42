package provider

import (
	"context"
	"encoding/base64"
	"errors"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/secret"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// DecryptDatakeyPair opens a private_key_cipher_text made by
// CreateEcDatakeyPair and returns the PKCS#8 private key with its key_id and
// key_spec. The AAD must equal the one given at creation. Like
// CreateEcDatakeyPair, it runs inside runtime/secret.Do when built with
// GOEXPERIMENT=runtimesecret.
func (p *Provider) DecryptDatakeyPair(ctx context.Context, req *DecryptDatakeyPairRequest) (resp *DecryptDatakeyPairResponse, err error) {
	if err := p.enter(); err != nil {
		p.auditDecrypt(ctx, req, "", nil, err)
		return nil, err
	}
	defer p.leave()
	var (
		keyID string
		d     *Decision
	)
	secret.Do(func() { resp, keyID, d, err = p.decryptDatakeyPair(ctx, req) })
	p.auditDecrypt(ctx, req, keyID, d, err)
	return resp, err
}

func (p *Provider) decryptDatakeyPair(ctx context.Context, req *DecryptDatakeyPairRequest) (_ *DecryptDatakeyPairResponse, keyID string, _ *Decision, err error) {
	envelope, hint, err := checkDecrypt(req)
	if err != nil {
		return nil, "", nil, err
	}
	h, err := wrap.ParseMasterHeader(envelope)
	if err != nil {
		return nil, "", nil, Wrapf(FailInvalidCiphertext, err, "cipher_text is not a data key pair envelope: %v", err)
	}
	keyID = keystore.FormatKeyID(h.KeyID)
	if req.KeyID != "" && req.KeyID != keyID {
		return nil, keyID, nil, Errorf(FailIncorrectKey, "cipher_text was sealed under master key %s, not %s", keyID, req.KeyID)
	}
	// The Authorizer decides on the pair's spec: a v2 header names it
	// (authenticated: an envelope whose header was changed does not
	// open), a v1 envelope only by the caller's key_spec, or once opened.
	// A spec left out must not slip past a Deny on kms:KeySpec.
	askSpec := req.KeySpec
	if h.Version != 1 {
		askSpec = string(h.KeySpec)
	}
	ad, err := p.admit(ctx, admission{
		action: ActionDecrypt, keyID: keyID, sequence: req.Sequence,
		keySpec: askSpec, aad: req.AdditionalAuthenticatedData, context: req.EncryptionContext,
		holder: HolderPlaintext, dryRun: req.DryRun,
	})
	if err != nil {
		return nil, keyID, ad.decision, err
	}
	defer func() {
		if err != nil {
			ad.release()
		}
	}()
	if alg, _ := ad.md.KeySpec.Algorithm(); alg != h.Algorithm {
		return nil, keyID, ad.decision, Errorf(FailDecrypt, "cipher_text was sealed with %s, master key %s uses %s", h.Algorithm, keyID, alg)
	}
	pt, spec, err := open(ctx, ad.mk, h, envelope, appendContext(nil, req.AdditionalAuthenticatedData, req.EncryptionContext), hint)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, keyID, ad.decision, Wrapf(FailCanceled, ctxErr, "request canceled while opening cipher_text")
		}
		return nil, keyID, ad.decision, openError(err, keyID, h.KeyVersion, req.KeySpec)
	}
	defer clear(pt)
	if askSpec == "" {
		// An envelope v1 without a key_spec: its spec is known only
		// now, and the plaintext goes out only if it is allowed too.
		ad.az.setKeySpec(string(spec))
		if err := ad.az.ask(ctx, PhaseFinal, &ad.decision); err != nil {
			return nil, keyID, ad.decision, err
		}
	}
	key, err := encoding.ParsePKCS8(pt)
	if err != nil || key.Curve().Spec() != spec {
		return nil, keyID, ad.decision, Errorf(FailInternal, "cipher_text authenticated but does not hold a %s PKCS#8 private key", spec)
	}
	defer key.Destroy()
	spki, err := encoding.MarshalSPKI(key.PublicKey())
	if err != nil {
		return nil, keyID, ad.decision, Wrapf(FailInternal, err, "encoding the %s public key failed", spec)
	}
	return &DecryptDatakeyPairResponse{
		KeyID:               keyID,
		KeySpec:             string(spec),
		PublicKey:           base64.StdEncoding.EncodeToString(spki),
		PrivateKeyPlainText: base64.StdEncoding.EncodeToString(pt),
	}, keyID, ad.decision, nil
}

// checkDecrypt validates a decrypt request's own fields and returns the
// envelope and the key spec hint ("" for none).
func checkDecrypt(req *DecryptDatakeyPairRequest) ([]byte, curves.Spec, error) {
	if req == nil {
		return nil, "", Errorf(FailMissingParameter, "request body is required")
	}
	if req.CipherText == "" {
		return nil, "", Errorf(FailMissingParameter, "cipher_text is required")
	}
	if len(req.CipherText) > MaxCipherTextLen {
		return nil, "", Errorf(FailInvalidCiphertext, "cipher_text is %d characters, more than the %d a data key pair envelope can be", len(req.CipherText), MaxCipherTextLen)
	}
	if err := checkContext(req.AdditionalAuthenticatedData, req.EncryptionContext); err != nil {
		return nil, "", err
	}
	if req.KeyID != "" {
		if err := checkKeyID(req.KeyID); err != nil {
			return nil, "", err
		}
	}
	if err := checkSequence(req.Sequence); err != nil {
		return nil, "", err
	}
	var hint curves.Spec
	if req.KeySpec != "" {
		c, err := lookupSpec(req.KeySpec)
		if err != nil {
			return nil, "", err
		}
		hint = c.Spec()
	}
	envelope, err := decodeB64("cipher_text", req.CipherText, FailInvalidCiphertext)
	if err != nil {
		return nil, "", err
	}
	return envelope, hint, nil
}

// open unwraps the envelope bound to bind and returns the plaintext and the
// spec it holds. A v2 header names the spec (a hint that differs refuses
// the envelope); a v1 envelope authenticates its spec without storing it,
// so each spec it may hold (the hint, or every registered one) is tried, at
// most one GCM tag check each.
func open(ctx context.Context, mk keystore.MasterKey, h wrap.MasterHeader, envelope, bind []byte, hint curves.Spec) ([]byte, curves.Spec, error) {
	if h.Version != 1 {
		pt, err := wrap.MasterKeyUnwrapper{Key: mk, Spec: hint}.Unwrap(ctx, envelope, bind)
		return pt, h.KeySpec, err
	}
	specs := []curves.Spec{hint}
	if hint == "" {
		specs = curves.Specs()
	}
	var lastErr error
	for _, s := range specs {
		pt, err := wrap.MasterKeyUnwrapper{Key: mk, Spec: s}.Unwrap(ctx, envelope, bind)
		if err == nil {
			return pt, s, nil
		}
		lastErr = err
		if !errors.Is(err, wrap.ErrDecrypt) {
			break
		}
	}
	return nil, "", lastErr
}

// openError maps an envelope that does not open to the failure table.
func openError(err error, keyID string, version uint32, specHint string) error {
	switch {
	case errors.Is(err, keystore.ErrUnavailable):
		return Wrapf(FailUnavailable, err, "the key store cannot use version %d of master key %s now; retry later", version, keyID)
	case errors.Is(err, wrap.ErrDecrypt):
		hint := ""
		if specHint != "" {
			hint = " and key_spec " + specHint
		}
		return Wrapf(FailDecrypt, err, "cipher_text does not decrypt under master key %s with this additional_authenticated_data%s", keyID, hint)
	case errors.Is(err, wrap.ErrKeyUnavailable):
		return Wrapf(FailDecrypt, err, "cipher_text names version %d of master key %s, which the key store does not hold or cannot use now", version, keyID)
	}
	return Wrapf(FailInternal, err, "opening cipher_text under master key %s failed", keyID)
}
