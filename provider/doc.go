// Package provider is the create-ec-datakey-pair operation of a KMS, with
// its decrypt counterpart, request validation, the KMS error table, the
// master key store interfaces and the HTTP handler.
//
// A Provider resolves the request's master key in a KeyStore, checks its
// state and usage, asks the Authorizer (if any), generates the key pair
// (package curves), encodes it (package encoding), seals the PKCS#8 under
// the master key (wrap.MasterKeyWrapper, AAD-bound) and returns the public
// key plus at most one of: the plaintext private key, the private key
// wrapped under the caller's key (wrapping_public_key), or encrypted for an
// attested enclave (recipient).
//
// # Plaintext key material
//
// The scalar is destroyed and the DER private key lives in a pooled buffer
// wiped before a call returns, on error paths too; the handler writes its JSON
// body from a buffer it wipes (not json.Marshal, whose pool keeps a copy),
// and fmt never prints keys or responses. What cannot be wiped is what Go
// does not let us reach: the response's strings (the base64 plaintext key),
// the backends' own copies of the scalar (see package curves), and
// net/http's connection buffers. Built with GOEXPERIMENT=runtimesecret, the
// operations run inside runtime/secret.Do, so all of those but net/http's
// buffers are erased once unreachable; TestPlaintextErased scans the process
// memory to check it (and reports 2-3 copies per key in a default build).
//
// NewHandler serves the same over HTTP at Huawei KMS's paths,
// POST /v1.0/{project_id}/kms/create-ec-datakey-pair and
// POST /v1.0/{project_id}/kms/decrypt-datakey-pair, with pluggable
// authentication (package provider/auth: X-Auth-Token, AK/SK signing).
//
// # Errors
//
// Every rejection is an *Error carrying an HTTP status and a Huawei KMS
// error code; over HTTP it is the body {"error":{"error_code":...,
// "error_msg":...}}, which huaweicloud-sdk-go-v3 surfaces in its
// ServiceResponseError. Messages say what was wrong and never hold key
// material. The one table (errors.go):
//
//	failure                                   status  code
//	bad URL / project_id                      400     KMS.0201
//	no such route                             404     KMS.0201
//	wrong method                              405     KMS.0201
//	body not JSON, unknown field, wrong type  400     KMS.0202
//	body over 64 KiB                          413     KMS.0203
//	missing parameter                         400     KMS.0204
//	key_id of the wrong format                400     KMS.0205
//	sequence not 36 bytes of [0-9A-Za-z-]     400     KMS.0206
//	sequence replayed                         409     KMS.0206
//	invalid parameter (AAD too long, ...)     400     KMS.0308
//	unknown key_spec                          400     KMS.0308
//	bad wrapping key, algorithm, attestation  400     KMS.0308
//	master key usage or spec not usable       400     KMS.0308
//	master key not found                      404     KMS.0207
//	master key disabled                       400     KMS.0209
//	master key pending deletion               400     KMS.0210
//	master key pending import                 400     KMS.0310
//	cipher_text malformed                     400     KMS.2201
//	cipher_text tampered, or AAD mismatch     400     KMS.2203
//	unauthenticated                           401     KMS.0301
//	refused by the Authorizer                 403     KMS.0306
//	request canceled by the caller            499     KMS.0101
//	internal error                            500     KMS.0101
//
// The codes are those of Huawei's published KMS error code list where one
// fits; Huawei has no dedicated code for a wrong key usage or an unknown
// key spec, so those use its generic invalid-parameter code KMS.0308.
package provider
