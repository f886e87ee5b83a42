// Package aws serves a provider.Provider in AWS KMS's dialect, the JSON 1.1
// protocol its SDKs speak: POST / with X-Amz-Target: TrentService.<Op> and
// a body of application/x-amz-json-1.1, signed with SigV4 (package
// provider/auth, the same access key pairs as Huawei's AK/SK). It serves
// beside package provider/huawei on one listener (Matches tells them
// apart).
//
// Operations:
//
//	GenerateDataKeyPair                  KeyId, KeyPairSpec, EncryptionContext, GrantTokens, DryRun, Recipient
//	GenerateDataKeyPairWithoutPlaintext  KeyId, KeyPairSpec, EncryptionContext, GrantTokens, DryRun
//	Decrypt                              CiphertextBlob, EncryptionContext, GrantTokens, KeyId, EncryptionAlgorithm, DryRun
//	CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
//	ScheduleKeyDeletion, CancelKeyDeletion (WithKeyManagement: a dev loop's)
//
// KeyPairSpec is any registered key spec (ECC_NIST_P256, ECC_NIST_P384,
// ECC_NIST_P521, ECC_SECG_P256K1, SM2, ECC_NIST_EDWARDS25519; no RSA).
// EncryptionContext is bound into PrivateKeyCiphertextBlob as
// wrap.AWSContext: Decrypt needs the same map. GrantTokens are accepted and
// checked for size, not used: this KMS has no grants, its policy decides.
// DryRun answers DryRunOperationException when the request would have
// succeeded. Recipient (an attestation document and RSAES_OAEP_SHA_256,
// its one KeyEncryptionAlgorithm, which is optional as in AWS's
// RecipientInfo) returns CiphertextForRecipient and no
// PrivateKeyPlaintext. KeyMaterialId
// is the hex SHA-256 of the master key's id and version, 64 characters.
// Decrypt opens a PrivateKeyCiphertextBlob, returns the PKCS#8 private key
// as Plaintext, and checks KeyId when given; its EncryptionAlgorithm is
// SYMMETRIC_DEFAULT (AWS's asymmetric ones, RSAES_OAEP_SHA_1,
// RSAES_OAEP_SHA_256 and SM2PKE, are InvalidKeyUsageException, as for a
// symmetric key in AWS KMS). Decrypt with a Recipient is not offered.
//
// A KeyId is a key id or its ARN, arn:<partition>:kms:<region>:<account>:key/<id>,
// the partition that of the region (Partition: aws-cn for cn-north-1).
// The account is the project: an ARN's account selects it (the caller
// must be allowed there); otherwise it is the caller's one project, or the
// default account (WithDefaultAccount). No aliases. Bodies are read
// strictly (package internal/jsonobj): exact member names, no duplicates,
// no members the operation does not define. X-Amz-Target and Content-Type
// are sent once (a second one, which a gateway in front may have read
// instead, is refused). An empty body is an input
// with no members, {}, as the AWS JSON protocols require servers to read
// it.
//
// # Errors
//
// Every rejection is {"__type":...,"message":...} with the X-Amzn-ErrorType
// header, the SDKs' typed exceptions, at the status of the failure
// (CodeOf); a request with no credential is
// MissingAuthenticationTokenException; a replayed signature, or an access
// key over its replay cache's bound, is ThrottlingException with
// Retry-After (and X-Amz-Retry-After) of a second: the SDKs retry it
// signed anew, so two identical calls within a second (which botocore,
// not signing its invocation id, signs alike) are both answered, and a
// captured request is still never answered twice; a fleet's shared replay
// record out of reach is DependencyTimeoutException (503, retried):
//
//	failure                                   status  __type
//	invalid request URL                       400     UnknownOperationException
//	no such API                               400     UnknownOperationException
//	method not allowed                        400     UnknownOperationException
//	invalid JSON                              400     SerializationException
//	request too large                         413     ValidationException
//	missing parameter                         400     ValidationException
//	invalid key_id                            400     NotFoundException
//	invalid sequence                          400     ValidationException
//	sequence replayed                         400     ValidationException
//	invalid parameter                         400     ValidationException
//	unsupported key_spec                      400     ValidationException
//	invalid wrapping_public_key               400     ValidationException
//	unsupported algorithm                     400     ValidationException
//	invalid attestation document              400     ValidationException
//	key usage                                 400     InvalidKeyUsageException
//	key not found                             400     NotFoundException
//	key disabled                              400     DisabledException
//	key pending deletion                      400     KMSInvalidStateException
//	key pending import                        400     KMSInvalidStateException
//	invalid key state                         400     KMSInvalidStateException
//	invalid cipher_text                       400     InvalidCiphertextException
//	decryption failed                         400     InvalidCiphertextException
//	incorrect key                             400     IncorrectKeyException
//	unauthenticated                           400     InvalidSignatureException
//	forbidden                                 400     AccessDeniedException
//	unsupported operation                     400     UnsupportedOperationException
//	dry run                                   412     DryRunOperationException
//	request canceled                          499     KMSInternalException
//	service unavailable                       503     DependencyTimeoutException
//	internal error                            500     KMSInternalException
package aws
