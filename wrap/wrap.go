package wrap

import "context"

// Wrapper seals a plaintext (a PKCS#8 private key) for one holder. aad is
// bound into the envelope where the envelope supports it: unwrapping needs
// the same value. For the master-key envelope aad is the context binding
// ctx (HuaweiContext, AWSContext), which every dialect encodes the same
// way; the custom-key envelopes that bind an AAD (HPKE) take the caller's
// additional_authenticated_data as it is.
type Wrapper interface {
	Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error)
}

// Unwrapper is the inverse of a Wrapper, run by the holder of the key.
type Unwrapper interface {
	Unwrap(ctx context.Context, envelope, aad []byte) ([]byte, error)
}
