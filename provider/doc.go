// Package provider is the create-ec-datakey-pair operation of a KMS and its
// decrypt counterpart, protocol-neutral: requests and responses, their
// validation, the failure classes, authorization and the sequence replay
// window. The HTTP dialects serve it (package provider/huawei); master keys
// come from any keystore.KeyStore (packages under provider/keystore).
//
// One call is admitted (fields validated, master key resolved and its state
// and usage checked, the Authorizer asked, the sequence recorded), then the
// key pair is generated (package curves), encoded (package encoding), its
// PKCS#8 sealed under the master key (wrap.MasterKeyWrapper: the
// master-key envelope v2, bound to wrap.HuaweiContext of the AAD), and
// the response returns the public key plus at most one of: the plaintext
// private key, the private key wrapped under the caller's key
// (wrapping_public_key), or encrypted for an attested enclave (recipient).
// Decryption opens envelopes v2 by the spec their header names and
// envelopes v1 (made before v2) by trying each spec they may hold.
//
// # Plaintext key material
//
// The scalar is destroyed and the DER private key lives in a pooled buffer
// wiped before a call returns, on error paths too; fmt and log/slog never
// print the plaintext of a response (one field list, Fields, says which
// members are key material). What cannot be wiped is what Go does not let
// us reach: the response's strings (the base64 plaintext key), the
// backends' own copies of the scalar (see package curves), and net/http's
// connection buffers. Built with GOEXPERIMENT=runtimesecret, the operations
// run inside runtime/secret.Do, so all of those but net/http's buffers are
// erased once unreachable; TestPlaintextErased scans the process memory to
// check it.
//
// # Errors
//
// Every rejection is an *Error: a Failure (a class, listed with Failures)
// and a message that says what was wrong and never holds key material.
// Each dialect maps failures to its own codes and statuses; package
// provider/huawei documents its table.
package provider
