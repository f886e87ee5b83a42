// Package attest verifies enclave attestation documents: the COSE_Sign1
// (RFC 9052) documents that the Nitro Secure Module (NSM) of an AWS Nitro
// Enclave signs for the enclave, with a CBOR payload of the enclave's PCRs,
// its public key, optional user data and nonce, and the X.509 chain of the
// certificate that signed it.
//
// A [Verifier] checks a document and returns its [Document]; [NSMVerifier]
// is the verifier of the NSM format. It checks, cheap checks first: the
// COSE_Sign1 structure and its ES384 algorithm; every payload field, its
// type and size, refusing fields it does not know; the timestamp against
// its clock (at most [DefaultMaxAge] old unless [WithMaxAge]); no
// debug-mode enclave (all-zero PCR0..2) unless [WithDebugEnclaves]; the
// chain as the one path the cabundle states, from a pinned root down (never
// a search over the bundle, so a bundle of look-alike CAs costs at most one
// signature check each, and anything off the path is refused); the
// signature, by the leaf certificate's P-384 key. Every failure wraps
// [ErrInvalid] (which package wrap exports as wrap.ErrInvalidAttestation)
// and says which check failed. The nonce is the enclave's own: like AWS
// KMS, the verifier returns it without judging it.
//
// Trust roots are data. A [Root] is a CA certificate's name, PEM and pinned
// SHA-256 fingerprint. [DefaultRoots] are the built-in roots
// ([BuiltinRoots]: AWS Nitro Enclaves Root-G1); [ParseRootsPEM] reads a PEM
// bundle a user gives, strictly; [Certificates] checks any roots against
// their fingerprints, for [NewNSMVerifier]. Another platform's root is one more entry of
// the built-in table. Huawei Cloud QingTian enclaves issue documents of the
// same structure, but with the public key in a field named pubkey and larger
// size limits, which NSMVerifier refuses as they stand.
//
// [Document.ConditionKeys] spells the verified PCRs as the AWS KMS condition
// keys (kms:RecipientAttestation:PCR<n>, kms:RecipientAttestation:ImageSha384)
// a key policy evaluates.
//
// The package stands on its own (it imports neither wrap nor provider):
// package provider runs a Verifier on a request's attestation document and
// hands the Document to wrap.NewRecipientWrapper, which seals the data key
// pair's private key for the Document's public key.
package attest
