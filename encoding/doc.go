// Package encoding writes and parses the key formats ecdkp hands out: the
// public key of a data key pair as SubjectPublicKeyInfo, the private key as
// PKCS#8 (both in DER, base64'd into the create-ec-datakey-pair response),
// and SEC 1 ECPrivateKey and PEM for tools and tests.
//
// In the data flow, curves.Curve.GenerateKey makes a key; MarshalSPKI and
// MarshalPKCS8 (or their Append forms, which allocate nothing given a buffer
// with room) encode it; wrap seals the PKCS#8 bytes, and the provider wipes
// them afterwards.
//
// # Formats
//
// One encoder serves every curve registered in package curves; the curve
// supplies its OID, ScalarSize, key type (curves.TypeOf) and key bytes, and
// there is no per-curve code, only one path per key type. secp256k1 and SM2
// go through the same path as the NIST curves; Ed25519 (ECC_NIST_EDWARDS25519)
// is the EdDSA key type's.
//
//   - SPKI (RFC 5280, RFC 5480): SEQUENCE { SEQUENCE { id-ecPublicKey,
//     namedCurve }, BIT STRING uncompressed point }. SM2 keys use
//     id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301, as OpenSSL 3
//     does. Parsing also accepts a compressed point, which the key stores
//     uncompressed.
//   - PKCS#8 (RFC 5208): SEQUENCE { INTEGER 0, SEQUENCE { id-ecPublicKey,
//     namedCurve }, OCTET STRING { ECPrivateKey } }, the ECPrivateKey holding
//     the [1] public key and no [0] parameters: byte-identical to `openssl
//     pkcs8 -topk8 -nocrypt` (OpenSSL 3) and Go's x509.MarshalPKCS8PrivateKey.
//     Parsing also accepts an ECPrivateKey without [1] (the public key is
//     computed, as for Wycheproof's PEM vectors) or with a [0] naming the
//     same curve as the algorithm identifier.
//   - SEC 1 (RFC 5915): SEQUENCE { INTEGER 1, OCTET STRING scalar,
//     [0] { namedCurve }, [1] { BIT STRING point } }, byte-identical to
//     `openssl ec -outform DER`. Parsing requires [0]; [1] is optional.
//   - Ed25519 SPKI (RFC 8410): SEQUENCE { SEQUENCE { 1.3.101.112 }, BIT
//     STRING public key (32 bytes) }, no parameters.
//   - Ed25519 PKCS#8 (RFC 8410): SEQUENCE { INTEGER 0, SEQUENCE {
//     1.3.101.112 }, OCTET STRING { OCTET STRING seed (32 bytes) } }, no
//     attributes and no public key: byte-identical to `openssl genpkey
//     -algorithm ed25519 -outform DER`, `openssl pkey` and Go's
//     x509.MarshalPKCS8PrivateKey. Parsing also accepts RFC 5958's v2
//     (OneAsymmetricKey: version 1, [1] IMPLICIT BIT STRING publicKey after
//     the privateKey) when the public key is the seed's; a v2 without it, a
//     version 0 with it, or another public key are refused. Ed25519 has no
//     SEC 1 form: MarshalSEC1 and AppendSEC1 refuse its keys and ParseSEC1
//     an ECPrivateKey naming it (ErrUnsupportedAlgorithm).
//   - PEM: the three DER forms in blocks of type "PUBLIC KEY", "PRIVATE KEY"
//     and "EC PRIVATE KEY" (PEMTypeSPKI, PEMTypePKCS8, PEMTypeSEC1), in
//     encoding/pem's layout; parsing takes exactly one block, without
//     headers, with only white space around it. Ed25519 keys use the first
//     two.
//
// OpenSSL 3.0 notes, found while writing the interop tests (3.0.19):
// `openssl pkey -outform DER` and `genpkey -outform DER` write a private
// key as SEC 1, not PKCS#8; `openssl pkcs8 -topk8 -nocrypt -outform DER`
// writes PKCS#8. `openssl ec` reads and writes SM2 keys in DER without extra
// options (no -param_enc needed), but labels SM2 SEC 1 PEM "SM2 PRIVATE
// KEY", which ParseSEC1PEM accepts for SM2 keys (PEMTypeSEC1SM2); `pkey
// -traditional` refuses SM2 altogether. `openssl ec -check` exits 0 even
// for an invalid key: read its "EC Key valid." verdict. For Ed25519,
// `genpkey` and `pkey -outform DER` write PKCS#8 (there is no traditional
// form); `pkey -pubcheck` accepts any 32 bytes as a public key (small-order
// and unreduced points included, which ParseSPKI refuses: see package
// curves); and `pkey` cannot read the v2 form at all ("unsupported"), so
// what we write is always version 0.
//
// # Strictness
//
// Parsers accept canonical DER only (cryptobyte's ReadASN1 family: no
// indefinite or non-minimal lengths, no high tag numbers), with nothing after
// any element at any level. Scalars shorter than the curve's are left-padded
// (some producers strip leading zeros); longer ones are refused. A parsed
// key has been validated by its curve: scalar in range, point on the curve
// (Ed25519: a nonzero seed, a canonical point of the prime-order subgroup).
// Curves are named only: explicit (specifiedCurve) and implicit (NULL)
// parameters are refused, and only algorithm id-ecPublicKey is accepted,
// or a registered EdDSA curve's OID without parameters. An Ed25519 seed is
// a byte string, not an integer: it is never padded, and any other length
// than 32 is malformed.
//
// # Errors
//
// Every error wraps one of six classes, to test with errors.Is; the message
// says what was wrong and never holds key material:
//
//   - ErrMalformed: not canonical DER, truncated, trailing data, wrong
//     version (PKCS#8 other than 0, including v2 for EC keys; ECPrivateKey
//     other than 1), PKCS#8 attributes or other unexpected fields, missing
//     or NULL curve parameters (a SEC1 key without [0] included), parameters
//     after an EdDSA OID, a BIT STRING with unused bits, an empty or too long
//     scalar, an Ed25519 seed other than 32 bytes, bad PEM framing (wrong
//     block type, headers, trailing data).
//   - ErrUnknownCurve: a named-curve OID not registered in package curves.
//   - ErrExplicitParameters: specifiedCurve parameters, in the algorithm
//     identifier or in ECPrivateKey [0].
//   - ErrUnsupportedAlgorithm: an algorithm other than id-ecPublicKey
//     (1.2.840.10045.2.1) or a registered EdDSA curve's OID; an EdDSA
//     curve's OID given as an EC named curve; SEC1 of an EdDSA key.
//   - ErrKeyMismatch: the embedded public key is not the scalar's (seed's),
//     or a PKCS#8 ECPrivateKey [0] names another curve than the outer
//     algorithm.
//   - ErrInvalidKey: the curve rejects the scalar (zero, at or above the
//     order; an all-zero Ed25519 seed) or a point (off the curve, infinity,
//     wrong length; for Ed25519 also unreduced or outside the prime-order
//     subgroup); the curves error is wrapped too. Encoders return it for nil
//     or destroyed keys.
//
// # Secrets
//
// Buffers this package fills with a scalar are wiped when it is done with
// them (the padded scalar, intermediate DER of the PEM forms, decoded PEM);
// the Append forms grow the destination at most once, before the scalar is
// written, so no stray copy is left by a reallocation. Results that hold a
// private key belong to the caller, who should clear them after use. Curve
// implementations must copy the scalar passed to NewPrivateKey, as the
// built-in ones do. The PEM decoder (encoding/pem) keeps base64 text in
// buffers this package cannot reach; prefer DER for secrets on hot paths.
package encoding
