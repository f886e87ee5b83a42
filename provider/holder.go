package provider

import (
	"context"
	"errors"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/wrap"
)

// holder is the optional second holder of a new private key: the caller's
// own key (wrapped_private_key) or an attested enclave (ciphertext_recipient).
type holder struct {
	w     wrap.Wrapper
	conds map[string]string
	field func(*CreateEcDatakeyPairResponse) *string
}

// holderFor validates the holder fields of a request; the zero holder means
// none was asked for.
func (p *Provider) holderFor(ctx context.Context, req *CreateEcDatakeyPairRequest, spec curves.Spec) (holder, error) {
	custom := req.WrappingPublicKey != "" || req.WrappingAlgorithm != ""
	if custom && req.Recipient != nil {
		return holder{}, Errorf(FailInvalidParameter, "wrapping_public_key and recipient are mutually exclusive")
	}
	if (custom || req.Recipient != nil) && req.WithPlainText != nil && *req.WithPlainText {
		return holder{}, Errorf(FailInvalidParameter, "with_plain_text=true cannot be combined with wrapping_public_key or recipient: at most one form of the private key is returned")
	}
	switch {
	case custom:
		return p.customHolder(req, spec)
	case req.Recipient != nil:
		return p.recipientHolder(req.Recipient)
	}
	return holder{}, nil
}

// holderError maps a holder envelope's failure to the table.
func holderError(err error) error {
	switch {
	case errors.Is(err, wrap.ErrInvalidWrappingKey):
		return wrapErr(FailInvalidWrappingKey, err, "%v", err)
	case errors.Is(err, wrap.ErrUnsupportedAlgorithm):
		return wrapErr(FailUnsupportedAlgorithm, err, "%v", err)
	case errors.Is(err, wrap.ErrInvalidAttestation):
		return wrapErr(FailInvalidAttestation, err, "%v", err)
	}
	return wrapErr(FailInternal, err, "wrapping the private key for its holder failed")
}

// customHolder builds the wrapped_private_key envelope for the caller's key.
func (p *Provider) customHolder(req *CreateEcDatakeyPairRequest, spec curves.Spec) (holder, error) {
	if req.WrappingAlgorithm == "" {
		return holder{}, Errorf(FailMissingParameter, "wrapping_algorithm is required with wrapping_public_key; use one of %v", wrap.CustomKeyAlgorithms())
	}
	if req.WrappingPublicKey == "" {
		return holder{}, Errorf(FailMissingParameter, "wrapping_public_key is required with wrapping_algorithm")
	}
	if err := wrap.CheckCustomKeySpec(req.WrappingAlgorithm, spec); err != nil {
		return holder{}, holderError(err)
	}
	spki, err := decodeB64("wrapping_public_key", req.WrappingPublicKey, FailInvalidWrappingKey)
	if err != nil {
		return holder{}, err
	}
	w, err := wrap.NewCustomKeyWrapper(req.WrappingAlgorithm, spki)
	if err != nil {
		return holder{}, holderError(err)
	}
	return holder{
		w:     w,
		conds: map[string]string{CondWrappingAlgorithm: req.WrappingAlgorithm},
		field: func(r *CreateEcDatakeyPairResponse) *string { return &r.WrappedPrivateKey },
	}, nil
}
