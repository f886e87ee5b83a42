package provider

func (p *Provider) recipientHolder(r *Recipient) (holder, error) {
	return holder{}, Errorf(FailUnsupportedAlgorithm, "recipient key_encryption_algorithm %q is not supported", clip(r.KeyEncryptionAlgorithm))
}
