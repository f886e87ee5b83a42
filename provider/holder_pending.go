package provider

import "github.com/ecdkp/ecdkp/curves"

func (p *Provider) customHolder(req *CreateEcDatakeyPairRequest, spec curves.Spec) (holder, error) {
	return holder{}, Errorf(FailUnsupportedAlgorithm, "wrapping_algorithm %q is not supported", clip(req.WrappingAlgorithm))
}

func (p *Provider) recipientHolder(r *Recipient) (holder, error) {
	return holder{}, Errorf(FailUnsupportedAlgorithm, "recipient key_encryption_algorithm %q is not supported", clip(r.KeyEncryptionAlgorithm))
}
