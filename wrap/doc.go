// Package wrap holds the envelopes a data key pair's private key travels in,
// behind two one-method interfaces in the manner of filippo.io/age: a
// [Wrapper] seals a PKCS#8 private key for one holder, an [Unwrapper] opens
// it again.
//
// Three holders exist:
//   - the master key (a CMK in a KeyStore): the master-key envelope below,
//     the private_key_cipher_text of every response, sealed as v2 and
//     opened in either version;
//   - a caller's own key: wrapped_private_key, a custom-key envelope;
//   - an attested enclave: ciphertext_recipient, a CMS EnvelopedData.
//
// # Master-key envelope v2
//
// MasterKeyWrapper seals, and MasterKeyUnwrapper opens, with a key derived
// for each envelope from the master key and a random 192-bit nonce, with
// XAES-256-GCM (c2sp.org/XAES-256-GCM) under AES_256 master keys and
// XSM4-GCM, the same construction with SM4 as the block cipher, under SM4
// ones (xaes.go). All integers are big-endian:
//
//	magic "EKP2" | alg (1 byte: 3 XAES-256-GCM, 4 XSM4-GCM) | key_id (16 bytes, the UUID)
//	| key_version (4) | spec_len (1) | key_spec (spec_len bytes of ASCII) | nonce (24)
//	| ciphertext || tag (16)
//
// The GCM additional data is the header (every byte before the nonce) ||
// ctx, the context binding (context.go): empty without an AAD, otherwise a
// dialect tag and the dialect's bytes, 0x48 || additional_authenticated_data
// for Huawei and 0x41 || an injective encoding of the EncryptionContext map
// for AWS. So neither the master key, its version, the algorithm, the data
// key pair's spec nor the context can be swapped. The header names the
// spec, so an opener needs no trial; a spec that is not registered (curves)
// makes the envelope malformed. With E the block cipher under the master
// key K and N the nonce:
//
//	K1 = dbl(E(0^128))                                          once per key version
//	Kx = E(K1 ^ 00 01 58 00 || N[:12]) || E(K1 ^ 00 02 58 00 || N[:12])    (SM4: the first block only)
//	ciphertext || tag = AES-256-GCM or SM4-GCM under Kx, nonce N[12:]
//
// K1 comes from the KeyCipher (NewKeyCipher computes it once per version;
// an HSM store computes E in the token, see KeyDeriver), Kx lives in the
// envelope's buffer for one seal or open and is wiped after it. The key
// schedule crypto/aes or gmsm expands from Kx stays in their heap objects
// until they are collected (erased by runtime/secret when the provider is
// built with GOEXPERIMENT=runtimesecret); like Kx it exposes only its own
// envelope. Sealing one envelope v2 costs those two allocations.
//
// Limits. Envelope v1 seals every envelope of a key version under the
// master key itself with a random 96-bit nonce: NIST SP 800-38D allows 2^32
// envelopes per key version before the chance of a repeated nonce, which
// reveals the GCM authentication key and the XOR of the two plaintexts,
// passes 2^-32. Nothing counts them; at 20,000 creates a second that is
// under three days of one server. Envelope v2 derives a fresh key for each
// envelope: a collision needs the same 192-bit nonce twice, so a key
// version seals 2^80 envelopes at a 2^-32 collision risk (and each Kx
// seals one message, far below GCM's own limits).
//
// What the derived key protects, and what it does not. It removes the
// nonce limit of v1 and confines a leak: a Kx seen in host memory exposes
// the one envelope it sealed, never the master key or another envelope,
// and deriving a Kx needs the block cipher under the master key (in the
// token, for an HSM store). It adds no other property to GCM. In
// particular GCM is not key-committing: whoever holds two keys can craft
// one ciphertext that authenticates under both. The envelope does not stop
// that; it makes it irrelevant to openers, because the header names the
// master key (key_id, key_version and alg are authenticated) and an opener
// only ever uses that key, never trying several on one envelope. Against
// anyone without the master key, confidentiality and integrity are GCM's
// under Kx.
//
// # Master-key envelope v1 (opened forever, no longer sealed)
//
//	magic "EKP1" | alg (1 byte: 1 AES-256-GCM, 2 SM4-GCM) | key_id (16 bytes, the UUID)
//	| key_version (4) | nonce (12) | ciphertext || tag (16)
//
// The GCM (under the master key itself) additional data is the header ||
// key_spec || 0x00 || the caller's raw AAD: the key_spec is authenticated,
// not stored, so an opener that does not know it tries each registered spec
// (at most one GCM tag check each). Wrap and Unwrap take the context ctx
// for both versions: v1 binds the Huawei AAD that ctx encodes (ctx without
// its 0x48 tag; no ctx, no AAD) and opens under no AWS context.
// MasterKeyWrapper.V1 still seals v1, for test vectors.
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
