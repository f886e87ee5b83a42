// Package conformance is the conformance suite of create-ec-datakey-pair:
// JSON test vectors any implementation can run, and a harness that drives
// a live KMS (in process or over HTTP) and checks every property of the
// operation that a caller relies on.
//
// # Harness
//
// A Target is anything that answers CreateEcDatakeyPair and
// DecryptDatakeyPair with the types of package provider, rejecting
// requests with a *Refusal (HTTP status and the dialect's code) or, in
// process, a *provider.Error (AsRefusal reads both);
// *provider.Provider is one, NewHTTPTarget speaks Huawei KMS's JSON to any
// endpoint and NewAWSTarget AWS KMS's JSON 1.1 (SigV4 with WithAKSK,
// WithRegion, WithAccount). Run checks a Target under go test, in the
// manner of testing/fstest.TestFS: one call, every check a named subtest
// whose failure says which property broke.
//
//	conformance.Run(t, p, conformance.WithKeyID(keyID))
//
// RunChecks runs the same checks outside go test and prints one line per
// check ("PASS name", "FAIL name: why", "SKIP name: why") and the summary
// "N passed, M failed"; `ecdkp conformance --dialect huawei|aws --endpoint
// URL --key-id ID` uses it against a live endpoint. Both first run
// Preflight: an endpoint that cannot be reached, does not answer as a KMS
// of the dialect, refuses the credentials or lacks the key stops the run
// with one failed check, "preflight". Fuzz sends mutated requests to an
// endpoint and checks what every answer must be (see Fuzz).
//
// # Dialects
//
// A target speaks Huawei's dialect or AWS's (DialectTarget; a target in
// process is checked as WithDialect says, Huawei's by default). The checks
// of keys, decryption, tampering and freshness run in both, with the
// dialect's names; expected refusals are the dialect's (Huawei's
// error_code, AWS's __type, each with its HTTP status, from the tables of
// provider/huawei and provider/aws). Huawei's alone: with_plain_text,
// additional_authenticated_data, custom wrapping keys and
// request_negatives.json (sequence and the rest). AWS's alone:
// GenerateDataKeyPairWithoutPlaintext, EncryptionContext, DryRun, KeyId
// as an ARN and Decrypt's KeyId, and aws_request_negatives.json.
//
// The checks, for every key spec: by default Huawei's five (all in AWS's
// KeyPairSpec too); WithSpecs chooses others, ECC_NIST_EDWARDS25519
// (Ed25519, our extension of Huawei's list, in AWS's) included. In the
// Huawei dialect:
//
//   - SPEC/with_plain_text=W/aad=A/create, for W in absent, true, false and
//     A in unset, set: the response echoes key_id and key_spec; public_key
//     is standard base64 of the canonical DER SPKI of the spec's curve;
//     private_key_plain_text is present exactly when W is absent or true,
//     and is the canonical PKCS#8 of the public key; wrapped_private_key
//     and ciphertext_recipient are absent; private_key_cipher_text is
//     base64.
//   - .../decrypt: decrypt-datakey-pair with the same AAD returns key_id,
//     key_spec, the same public key and a PKCS#8 of it (the same bytes as
//     the plaintext, when there was one), with and without a key_spec hint.
//   - .../aad_binding: decrypting with another AAD, without the AAD, or
//     with an AAD the key was not created with, is refused with the
//     decryption failure (HTTP 400, KMS.2203).
//   - SPEC/tamper: a private_key_cipher_text with a bit flipped (tag,
//     middle, nonce) or a byte cut off is refused with KMS.2203 (a cut-off
//     byte may also be KMS.2201). The harness treats the ciphertext as
//     opaque unless it parses as an ecdkp master-key envelope
//     (wrap.ParseMasterHeader: EKP1 or EKP2); then it flips the first nonce
//     byte where the header ends, and for an envelope v2 it also replaces
//     the key_spec the header names by another registered spec of the same
//     length (refused with KMS.2203: the header is authenticated) and by an
//     unregistered one (refused with KMS.2201, an invalid ciphertext). It
//     does not require any envelope version: decryption is what it checks.
//     Of an opaque ciphertext it flips byte 30 and accepts the decryption
//     failure, an invalid ciphertext, or (where another KMS's format holds
//     its key reference) a key not found or access denied.
//     The formats themselves are pinned by the vectors below.
//   - SPEC/fresh_keys: successive calls return different key pairs and
//     different ciphertexts.
//   - SPEC/openssl/pubcheck and SPEC/openssl/check: OpenSSL (when found,
//     see WithOpenSSL) accepts the public key with `openssl pkey -pubcheck`
//     and the private key with `openssl pkey -check`, and derives the
//     response's public key from it. secp256k1 and SM2 included. For
//     Ed25519, whose public keys OpenSSL 3.0's -pubcheck does not examine,
//     OpenSSL must also read public_key as an ED25519 key and write it back
//     to the same bytes; the point itself is checked by the create check's
//     parse (canonical, in the prime-order subgroup), and the pairing of
//     seed and public key by the derivation.
//   - ECC_NIST_P256/wrapping_key: with wrapping_public_key (HPKE P-256) the
//     response carries wrapped_private_key and no plaintext, and the
//     holder's key opens it to the PKCS#8 of the public key.
//   - disabled_key (WithDisabledKeyID): creating under a disabled master
//     key is refused with KMS.0209.
//   - request_negatives/ROUTE/ID_COMMENT: every vector of
//     request_negatives.json gets its HTTP status and KMS code. Vectors
//     marked raw are sent only through a RawTarget (HTTPTarget is one).
//   - recipient (WithRecipient, both dialects): a create with a Recipient
//     (an attestation document the target accepts, RSAES_OAEP_SHA_256)
//     answers ciphertext_recipient (CiphertextForRecipient), which the
//     enclave's RSA key opens to the PKCS#8 of the public key, and no
//     plaintext.
//
// In the AWS dialect, for every spec:
//
//   - SPEC/OP/context=C/create, for OP in GenerateDataKeyPair and
//     GenerateDataKeyPairWithoutPlaintext and C in none, set: as above,
//     PrivateKeyPlaintext present exactly for GenerateDataKeyPair, KeyId
//     the request's or the key's ARN.
//   - .../decrypt: Decrypt with the same EncryptionContext, without and
//     with the KeyId, answers the key's id or ARN and the PKCS#8 of create's
//     public key as Plaintext (AWS answers no spec or public key).
//   - .../context_binding: Decrypt without the context, with another value,
//     a pair added or left out, or the same pairs split elsewhere so that
//     keys and values joined without separators give the same bytes, and
//     with a context the key pair was created without, is refused with
//     InvalidCiphertextException.
//   - SPEC/tamper, SPEC/fresh_keys, SPEC/openssl/*: as above.
//
// and once:
//
//   - encryption_context/concatenation: what {"a":"bc"} sealed does not
//     open with {"ab":"c"}, nor {"a":"b","c":"d"}'s with {"ab":"cd"} or
//     {"a":"bcd"}, nor {"k":"v"}'s with {"kv":""} (the binding of
//     local-kms, LocalStack and moto cannot tell them apart); each opens
//     with its own context.
//   - encryption_context/order: the context's member order on the wire does
//     not matter (RawTarget).
//   - dry_run: GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext and
//     Decrypt with DryRun answer DryRunOperationException (HTTP 412).
//   - key_id_arn: responses name the key by its ARN (in the target's region
//     and account, when known), which works as a KeyId (RawTarget).
//   - decrypt_key_id/missing_key and decrypt_key_id/other_key
//     (WithOtherKeyID): Decrypt with the KeyId of a missing key is
//     NotFoundException (or IncorrectKeyException), with another key's
//     IncorrectKeyException.
//   - disabled_key (WithDisabledKeyID): DisabledException.
//   - aws_request_negatives/OP/ID_COMMENT: every vector of
//     aws_request_negatives.json, sent raw, gets its status and __type.
//
// # Vectors
//
// conformance/testdata holds seven files, written by `go generate
// ./conformance` (cmd/genvectors) from fixed inputs, never by hand; a test
// regenerates them and compares them byte for byte. Every file has the
// same header:
//
//	{
//	  "schema": "ecdkp-conformance/v1",
//	  "name": "keys",              // the file name without .json
//	  "description": "...",        // what the vectors pin
//	  "generator": "...",          // the command that wrote the file
//	  "count": 30,                 // len(vectors)
//	  "vectors": [ {"id": 1, "comment": "...", ...}, ... ]
//	}
//
// Vectors are numbered from 1. Byte strings are lower-case hex. The
// vector fields of each file:
//
//   - keys.json: key_spec; scalar (big-endian, the curve's scalar size);
//     public_point (uncompressed 04||X||Y); spki, pkcs8, sec1 (DER, as
//     encoders must write them). Scalars: 1, 2, the largest valid one (n-1,
//     or n-2 for SM2) and three derived as 1 + (SHA-256 or SHA-512 of a
//     label mod max), for each of the five specs. Then six Ed25519 keys
//     (ECC_NIST_EDWARDS25519): scalar is the 32-byte seed (RFC 8032's and
//     RFC 8410's examples, 00..01, ff..ff, two hashes of a label),
//     public_point the 32-byte public key, sec1 empty (no SEC 1 form).
//   - envelopes.json: algorithm (AES_256 or SM4); master_key (material);
//     key_id (UUID); key_version; nonce; key_spec; aad; plaintext_key (the
//     keys.json id whose pkcs8 is the plaintext); plaintext; envelope (the
//     master-key envelope v1, exactly). New envelopes are v2; v1 ones must
//     still open.
//   - envelopes_v2.json: the master-key envelope v2 (DESIGN.md): algorithm
//     (AES_256: XAES-256-GCM, SM4: XSM4-GCM); master_key; key_id;
//     key_version; nonce (24 bytes); key_spec (named in the header);
//     dialect (huawei or aws) with aad (huawei) or encryption_context (aws,
//     a JSON object); context (the context binding of either: 48 || aad,
//     or 41 || the pairs in byte order of the keys, each key and value
//     after its uvarint length; "" for none); derived_key (the per-envelope
//     key, to check a derivation on its own); plaintext_key; plaintext;
//     envelope. Both master keys, every spec, no context, Huawei and AWS
//     contexts, the 1023-byte AAD and the AWS encoding's corners (byte
//     order, empty values, two-byte lengths, UTF-8).
//   - envelope_v2_negatives.json: envelope (the envelopes_v2.json id whose
//     master key opens the input); master_key (replacing its material, when
//     set); key_spec (the spec the opener expects, when set; otherwise the
//     header's); context; input; error (a class as below): truncated
//     headers, spec_len 0 or past the end, unknown algorithm bytes,
//     unregistered or non-ASCII key_spec (malformed_envelope); the other
//     algorithm, another registered key_spec, a flipped key_id, nonce,
//     ciphertext or tag, another context or dialect tag (decrypt); a
//     version the key does not hold (key_unavailable). An opener must also
//     refuse every single-bit flip of every envelopes_v2.json envelope
//     (the suite computes them from the positive vectors).
//   - decode_negatives.json: format (spki, pkcs8, sec1 or envelope);
//     key_spec (the curve the input was derived from, or the key_spec to
//     open an envelope with); input; for envelopes, envelope (the
//     envelopes.json id whose master key opens it), master_key (replacing
//     that key's material, when set) and aad; error, the class the parser
//     must report: malformed, unknown_curve, explicit_parameters,
//     unsupported_algorithm, key_mismatch, invalid_key (the encoding.Err*
//     sentinels), malformed_envelope, decrypt, key_unavailable (the
//     wrap.Err* sentinels). The Ed25519 negatives come last: parameters,
//     wrong lengths, points no seed has (small order, the identity,
//     unreduced, with a small-order component), the v2 PKCS#8 forms that
//     are refused, SEC 1 naming Ed25519.
//   - request_negatives.json: route (create or decrypt); body (the JSON
//     body, a string since some are not JSON); raw (true when only raw
//     HTTP can send the body: not JSON, unknown fields, wrong types);
//     status (HTTP) and error_code (KMS.XXXX). Bodies hold placeholders:
//     {{key_id}} is the target's enabled master key, {{missing_key_id}} is
//     3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839 (which must not exist), and
//     {{cipher_text}} is a private_key_cipher_text created under {{key_id}}
//     for ECC_NIST_P256 with additional_authenticated_data
//     "ecdkp-conformance".
//   - aws_request_negatives.json: operation (GenerateDataKeyPair,
//     GenerateDataKeyPairWithoutPlaintext or Decrypt); body (sent as is);
//     status (HTTP) and error_type (__type): bodies that are not the
//     operation's JSON (SerializationException), missing or invalid members
//     (ValidationException), missing keys and aliases (NotFoundException),
//     a {{cipher_text}} decrypted with other contexts
//     (InvalidCiphertextException). Placeholders as above, but
//     {{cipher_text}} is a PrivateKeyCiphertextBlob made with the
//     EncryptionContext {"purpose":"ecdkp-conformance"}.
//
// Vectors returns the files as an fs.FS for other harnesses.
package conformance
