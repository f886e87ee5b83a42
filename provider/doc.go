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
// # Authorization
//
// An Authorizer (package provider/policy turns IAM-style policy documents
// into one) is asked in phases (AuthzPhase): on what the request says,
// before the key is looked up; on what the key says; and, for a recipient,
// on the verified attestation. A refused caller costs no key lookup, no
// certificate verification and no key generation, and learns nothing about
// the key. A key of a project other than the caller's (Caller.ProjectID)
// is "not found", exactly as a key that does not exist. Resources are
// named KMS:<region>:<project>:KeyId:<key_id> (ResourceName).
//
// The actions (Actions):
//
//	action                       operation
//	kms:cmk:createDataKeyPair    create-ec-datakey-pair, GenerateDataKeyPair(WithoutPlaintext)
//	kms:cmk:decrypt              decrypt-datakey-pair, Decrypt
//	kms:cmk:create               CreateKey
//	kms:cmk:get                  DescribeKey
//	kms:cmk:list                 ListKeys
//	kms:cmk:enable               EnableKey
//	kms:cmk:disable              DisableKey
//	kms:cmk:scheduleDeletion     ScheduleKeyDeletion
//	kms:cmk:cancelDeletion       CancelKeyDeletion
//
// The condition keys (ConditionKeys), their types and the phase from which
// they are known; those known "never" are accepted in policies and never
// set (keys here are single-region and have no tags or aliases):
//
//	key                          type     known
//	kms:KeySpec                  String   request   the data key pair's spec (decrypt: the envelope's)
//	kms:DataKeyPairSpec          String   request   the same, AWS's name
//	kms:WithPlainText            Bool     request   the private key is returned in plaintext
//	ecdkp:Holder                 String   request   plaintext, wrapping_key, recipient or none
//	kms:WrappingAlgorithm        String   request   the custom-key envelope's algorithm
//	kms:EncryptionContext        String   request   Huawei's additional_authenticated_data
//	kms:EncryptionContextPresent Bool     request   an AAD or context was given
//	kms:EncryptionContext:       String   request   prefix: a value of AWS's EncryptionContext
//	kms:EncryptionContextKeys    String[] request   the keys of AWS's EncryptionContext
//	ecdkp:Project                String   request   the project the request acts in
//	kms:KeyUsage                 String   key       the master key's usage
//	kms:KeyOrigin                String   key       kms, external or hsm
//	kms:RecipientAttestation:    String   final     prefix: PCR0..PCR31, ImageSha384 (hex)
//	kms:MultiRegionKeyType       String   never
//	g:EnterpriseProjectId        String   never
//	g:ResourceTag/               String   never     prefix
//	kms:RequestAlias             String   never
//	kms:ResourceAliases          String[] never
//
// # Errors
//
// Every rejection is an *Error: a Failure (a class, listed with Failures)
// and a message that says what was wrong and never holds key material.
// Each dialect maps failures to its own codes and statuses; package
// provider/huawei documents its table.
package provider
