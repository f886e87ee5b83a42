package provider

// CreateEcDatakeyPairRequest is a request to create a data key pair, in
// either dialect: the json tags are Huawei KMS's field names (the
// reference API), and the fields tagged "-" are the AWS dialect's
// (EncryptionContext, DryRun), which the Huawei API does not have.
type CreateEcDatakeyPairRequest struct {
	// KeyID is the master key (CMK) id, 36 characters.
	KeyID string `json:"key_id"`
	// KeySpec is the data key pair's spec, e.g. "ECC_NIST_P256".
	KeySpec string `json:"key_spec"`
	// WithPlainText asks for private_key_plain_text; nil means true.
	WithPlainText *bool `json:"with_plain_text,omitempty"`
	// AdditionalAuthenticatedData is bound into private_key_cipher_text;
	// decrypting needs the same value. Under 1024 bytes.
	AdditionalAuthenticatedData string `json:"additional_authenticated_data,omitempty"`
	// Sequence is the caller's 36-byte request serial number.
	Sequence string `json:"sequence,omitempty"`
	// WrappingPublicKey is a base64 DER SPKI; with WrappingAlgorithm it asks
	// for wrapped_private_key instead of the plaintext.
	WrappingPublicKey string `json:"wrapping_public_key,omitempty"`
	// WrappingAlgorithm names the custom-key envelope.
	WrappingAlgorithm string `json:"wrapping_algorithm,omitempty"`
	// Recipient asks for ciphertext_recipient, for an attested enclave.
	Recipient *Recipient `json:"recipient,omitempty"`
	// Pin and PinType are fields of Huawei's API (PIN-protected private
	// keys) that this implementation does not support: a request that sets
	// either is refused with FailInvalidParameter, not ignored.
	Pin     *string `json:"pin,omitempty"`
	PinType *string `json:"pin_type,omitempty"`
	// EncryptionContext is AWS's context: bound into the ciphertext like
	// the AAD (wrap.AWSContext), at most one of the two may be given.
	EncryptionContext map[string]string `json:"-"`
	// DryRun checks the request (authorization included) and answers
	// FailDryRun instead of creating anything.
	DryRun bool `json:"-"`
}

// Recipient is an attested enclave the private key is encrypted for.
type Recipient struct {
	// AttestationDocument is the base64 COSE_Sign1 attestation document.
	AttestationDocument string `json:"attestation_document"`
	// KeyEncryptionAlgorithm is "RSAES_OAEP_SHA_256".
	KeyEncryptionAlgorithm string `json:"key_encryption_algorithm"`
}

// DecryptDatakeyPairRequest asks for the plaintext of a
// private_key_cipher_text. The envelope names its master key, so no key_id
// is needed.
type DecryptDatakeyPairRequest struct {
	// CipherText is a private_key_cipher_text, base64.
	CipherText string `json:"cipher_text"`
	// AdditionalAuthenticatedData must equal the value given at creation.
	AdditionalAuthenticatedData string `json:"additional_authenticated_data,omitempty"`
	// KeySpec optionally names the data key pair's spec; without it every
	// registered spec is tried (the spec is authenticated, not stored).
	KeySpec string `json:"key_spec,omitempty"`
	// Sequence is the caller's 36-byte request serial number.
	Sequence string `json:"sequence,omitempty"`
	// KeyID, when set, must be the master key the envelope names (AWS's
	// Decrypt checks the KeyId it is given).
	KeyID string `json:"-"`
	// EncryptionContext must equal the one given at creation (AWS).
	EncryptionContext map[string]string `json:"-"`
	// DryRun checks the request and answers FailDryRun.
	DryRun bool `json:"-"`
}
