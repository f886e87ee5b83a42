// Package wrap holds the envelopes a data key pair's private key travels in,
// behind two one-method interfaces in the manner of filippo.io/age: a
// [Wrapper] seals a PKCS#8 private key for one holder, an [Unwrapper] opens
// it again.
//
// Three holders exist:
//   - the master key (a CMK in a KeyStore): the master-key envelope v1 below,
//     the private_key_cipher_text of every response;
//   - a caller's own key: wrapped_private_key, a custom-key envelope;
//   - an attested enclave: ciphertext_recipient, a CMS EnvelopedData.
//
// # Master-key envelope v1
//
// All integers are big-endian:
//
//	magic "EKP1" | alg (1 byte: 1 AES-256-GCM, 2 SM4-GCM) | key_id (16 bytes, the UUID)
//	| key_version (4) | nonce (12) | ciphertext || tag (16)
//
// The GCM additional data is the header (everything before the nonce) ||
// key_spec || 0x00 || the caller's AAD, so neither the master key, its
// version, the algorithm, the data key pair's spec nor the AAD can be swapped.
// The key_spec is authenticated, not stored: an opener that does not know it
// tries each registered spec (at most one GCM tag check each).
//
// # Custom-key envelopes
//
// NewCustomKeyWrapper and NewCustomKeyUnwrapper look the wrapping_algorithm
// up in one table of [CustomKeyAlgorithm] entries. The built-in ones, each in
// a file of its own with its layout and both directions, are
// RSAES-OAEP-SHA-256 of a fresh AES-256 key followed by RFC 5649 key wrap
// with padding (the key import layout of AWS and Google Cloud KMS), the
// GB/T 35276 SM2 enveloped key, and HPKE (RFC 9180) on P-256, P-384 and
// P-521; only HPKE binds the AAD. An embedder adds an algorithm with
// [RegisterCustomKeyAlgorithm].
//
// # Attestation recipient
//
// NewRecipientWrapper seals for the RSA key of an attestation document that
// an attest.Verifier has verified (package [github.com/ecdkp/ecdkp/wrap/attest]:
// attest.NewNSMVerifier for AWS Nitro Enclaves, trusting attest.DefaultRoots
// or roots a user gives), as a CMS EnvelopedData laid out as AWS KMS's
// CiphertextForRecipient; NewRecipientUnwrapper is the enclave's side.
//
// # Errors and layout
//
// Every error of a Wrapper, Unwrapper or constructor wraps exactly one of
// the classes in errors.go; ErrInvalidAttestation is attest.ErrInvalid. The
// encodings wrap does not export live under wrap/internal: cms (the
// EnvelopedData encoder, its strict BER parser and the AES-CBC content
// cipher), kwp (RFC 5649) and errs (the error classes, so those packages
// return them without importing wrap).
package wrap
