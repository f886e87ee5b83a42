package wrap

import "context"

// Wrapper seals a plaintext (a PKCS#8 private key) for one holder. aad is
// bound into the envelope where the envelope supports it: unwrapping needs
// the same value.
type Wrapper interface {
	Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error)
}

// Unwrapper is the inverse of a Wrapper, run by the holder of the key.
type Unwrapper interface {
	Unwrap(ctx context.Context, envelope, aad []byte) ([]byte, error)
}
