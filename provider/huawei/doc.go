// Package huawei serves a provider.Provider over HTTP in Huawei Cloud KMS's
// dialect, the reference API of the operation:
//
//	POST /v1.0/{project_id}/kms/create-ec-datakey-pair
//	POST /v1.0/{project_id}/kms/decrypt-datakey-pair
//
// decrypt-datakey-pair is an extension: Huawei documents no decrypt of a
// pair's ciphertext. project_id is 32 hexadecimal characters; it reaches the
// provider in the Caller. Requests authenticate through package
// provider/auth (X-Auth-Token, AK/SK signing) before their body is parsed or
// any key is touched. The handler writes its success bodies itself into a
// pooled buffer that it wipes afterwards (json.Marshal's own pool would keep
// a copy of the plaintext private key), byte for byte what encoding/json
// writes.
//
// # Errors
//
// Every rejection is a JSON body {"error":{"error_code":...,"error_msg":...}},
// which huaweicloud-sdk-go-v3 surfaces in its ServiceResponseError, with
// the status and code of the provider's failure (CodeOf):
//
//	failure                                   status  code
//	invalid request URL                       400     KMS.0201
//	no such API                               404     KMS.0201
//	method not allowed                        405     KMS.0201
//	invalid JSON                              400     KMS.0202
//	request too large                         413     KMS.0203
//	missing parameter                         400     KMS.0204
//	invalid key_id                            400     KMS.0205
//	invalid sequence                          400     KMS.0206
//	sequence replayed                         409     KMS.0206
//	invalid parameter                         400     KMS.0308
//	unsupported key_spec                      400     KMS.0308
//	invalid wrapping_public_key               400     KMS.0308
//	unsupported algorithm                     400     KMS.0308
//	invalid attestation document              400     KMS.0308
//	key usage                                 400     KMS.0308
//	key not found                             404     KMS.0207
//	key disabled                              400     KMS.0209
//	key pending deletion                      400     KMS.0210
//	key pending import                        400     KMS.0310
//	invalid cipher_text                       400     KMS.2201
//	decryption failed                         400     KMS.2203
//	unauthenticated                           401     KMS.0301
//	forbidden                                 403     KMS.0306
//	request canceled                          499     KMS.0101
//	service unavailable                       503     KMS.0101
//	internal error                            500     KMS.0101
//	incorrect key                             400     KMS.2203
//	unsupported operation                     400     KMS.0308
//	dry run                                   412     KMS.0308
//	invalid key state                         400     KMS.0308
//
// The codes are those of Huawei's published KMS error code list where one
// fits; Huawei has no dedicated code for a wrong key usage, an unknown key
// spec or a bad wrapping key, so those use its generic invalid-parameter
// code KMS.0308. The last four rows are of the AWS dialect's requests,
// which this dialect does not make. A signature that verified but could
// not be recorded against replay (the access key's replay bound reached, or
// a fleet's shared record out of reach) is service unavailable, not
// unauthenticated: the credential is fine, the request may be retried. The
// request id of every response is in the X-Request-Id header (the SDK
// reads it into ServiceResponseError.RequestId).
package huawei
