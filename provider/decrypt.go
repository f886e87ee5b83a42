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
	secret.Do(func() { resp, err = p.decryptDatakeyPair(ctx, req) })
	return resp, err
}

func (p *Provider) decryptDatakeyPair(ctx context.Context, req *DecryptDatakeyPairRequest) (*DecryptDatakeyPairResponse, error) {
	if req == nil {
		return nil, Errorf(FailMissingParameter, "request body is required")
	}
	if req.CipherText == "" {
		return nil, Errorf(FailMissingParameter, "cipher_text is required")
	}
	if len(req.CipherText) > MaxCipherTextLen {
		return nil, Errorf(FailInvalidCiphertext, "cipher_text is %d characters, more than the %d a data key pair envelope can be", len(req.CipherText), MaxCipherTextLen)
	}
	if err := checkAAD(req.AdditionalAuthenticatedData); err != nil {
		return nil, err
	}
	if err := checkSequence(req.Sequence); err != nil {
		return nil, err
	}
	specs := curves.Specs()
	if req.KeySpec != "" {
		c, err := lookupSpec(req.KeySpec)
		if err != nil {
			return nil, err
		}
		specs = []curves.Spec{c.Spec()}
	}
	envelope, err := decodeB64("cipher_text", req.CipherText, FailInvalidCiphertext)
	if err != nil {
		return nil, err
	}
	h, err := wrap.ParseMasterHeader(envelope)
	if err != nil {
		return nil, Wrapf(FailInvalidCiphertext, err, "cipher_text is not a data key pair envelope: %v", err)
	}
	keyID := keystore.FormatKeyID(h.KeyID)
	mk, md, err := p.resolveKey(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if alg, _ := md.KeySpec.Algorithm(); alg != h.Algorithm {
		return nil, Errorf(FailDecrypt, "cipher_text was sealed with %s, master key %s uses %s", h.Algorithm, keyID, alg)
	}
	if p.authz != nil {
		conds := map[string]string{}
		if req.KeySpec != "" {
			conds[CondKeySpec] = req.KeySpec
		}
		aadConds(conds, req.AdditionalAuthenticatedData)
		if err := p.authorize(ctx, ActionDecrypt, md, conds); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, Wrapf(FailCanceled, err, "request canceled")
	}
	if err := p.checkReplay(CallerFrom(ctx), ActionDecrypt, req.Sequence); err != nil {
		return nil, err
	}

	aad := []byte(req.AdditionalAuthenticatedData)
	var (
		pt      []byte
		spec    curves.Spec
		lastErr error
	)
	for _, s := range specs {
		pt, lastErr = wrap.MasterKeyUnwrapper{Key: mk, Spec: s}.Unwrap(ctx, envelope, aad)
		if lastErr == nil {
			spec = s
			break
		}
		if !errors.Is(lastErr, wrap.ErrDecrypt) {
			break
		}
	}
	if lastErr != nil {
		switch {
		case errors.Is(lastErr, wrap.ErrDecrypt):
			return nil, Wrapf(FailDecrypt, lastErr, "cipher_text does not decrypt under master key %s with this additional_authenticated_data%s", keyID, specHint(req.KeySpec))
		case errors.Is(lastErr, wrap.ErrKeyUnavailable):
			return nil, Wrapf(FailDecrypt, lastErr, "cipher_text names version %d of master key %s, which it does not hold", h.KeyVersion, keyID)
		default:
			return nil, Wrapf(FailInternal, lastErr, "opening cipher_text under master key %s failed", keyID)
		}
	}
	defer clear(pt)
	key, err := encoding.ParsePKCS8(pt)
	if err != nil || key.Curve().Spec() != spec {
		return nil, Errorf(FailInternal, "cipher_text authenticated but does not hold a %s PKCS#8 private key", spec)
	}
	defer key.Destroy()
	spki, err := encoding.MarshalSPKI(key.PublicKey())
	if err != nil {
		return nil, Wrapf(FailInternal, err, "encoding the %s public key failed", spec)
	}
	return &DecryptDatakeyPairResponse{
		KeyID:               keyID,
		KeySpec:             string(spec),
		PublicKey:           base64.StdEncoding.EncodeToString(spki),
		PrivateKeyPlainText: base64.StdEncoding.EncodeToString(pt),
	}, nil
}

func specHint(spec string) string {
	if spec == "" {
		return ""
	}
	return " and key_spec " + spec
}
