package vectors

import (
	"strings"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/aws"
)

// AWSRequestNegativesFile holds the invalid requests of the AWS dialect.
const AWSRequestNegativesFile = "aws_request_negatives.json"

// Operations of AWSRequestNegative.Operation: X-Amz-Target without its
// "TrentService." prefix.
const (
	OpGenerateDataKeyPair                 = "GenerateDataKeyPair"
	OpGenerateDataKeyPairWithoutPlaintext = "GenerateDataKeyPairWithoutPlaintext"
	OpDecrypt                             = "Decrypt"
)

// AWSRequestNegative is one vector of aws_request_negatives.json: a
// request of AWS KMS's JSON 1.1 protocol that must be refused. Every body
// needs raw HTTP (most are valid JSON a typed client could send, but the
// point of the file is the bytes on the wire).
type AWSRequestNegative struct {
	ID      int    `json:"id"`
	Comment string `json:"comment"`
	// Operation is the X-Amz-Target operation, e.g. "GenerateDataKeyPair".
	Operation string `json:"operation"`
	// Body is the request body, with the placeholders of RequestNegative
	// ({{key_id}}, {{missing_key_id}}) and {{cipher_text}} standing for a
	// PrivateKeyCiphertextBlob created under {{key_id}} for ECC_NIST_P256
	// with the EncryptionContext {CipherTextContextKey:
	// CipherTextContextValue}.
	Body string `json:"body"`
	// Status is the expected HTTP status.
	Status int `json:"status"`
	// ErrorType is the expected __type, without a namespace prefix.
	ErrorType string `json:"error_type"`
}

// The EncryptionContext of the AWS {{cipher_text}}.
const (
	CipherTextContextKey   = "purpose"
	CipherTextContextValue = "ecdkp-conformance"
)

const awsRequestNegativesDescription = "Invalid GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext and Decrypt " +
	"requests of AWS KMS's JSON 1.1 protocol (POST / with X-Amz-Target: TrentService.<operation>) with the HTTP status " +
	"and __type they must get. Replace {{key_id}} with an enabled master key of the target, {{missing_key_id}} with " +
	MissingKeyID + " and {{cipher_text}} with a PrivateKeyCiphertextBlob created under {{key_id}} for ECC_NIST_P256 " +
	"with the EncryptionContext {\"" + CipherTextContextKey + "\":\"" + CipherTextContextValue + "\"}. Send every body as is."

// awsRequests accumulates aws_request_negatives.json.
type awsRequests struct{ out []AWSRequestNegative }

func (r *awsRequests) add(op, comment, body string, f provider.Failure) {
	c := aws.CodeOf(f)
	r.out = append(r.out, AWSRequestNegative{
		ID: len(r.out) + 1, Comment: comment, Operation: op, Body: body, Status: c.Status, ErrorType: c.Type,
	})
}

// genAWSRequestNegatives builds aws_request_negatives.json: only requests
// whose refusal AWS KMS's API reference fixes (so any AWS-compatible KMS
// is held to them), the expected answers from the AWS dialect's table.
func genAWSRequestNegatives() []AWSRequestNegative {
	const (
		key  = PlaceholderKeyID
		p256 = string(curves.P256)
		ct   = PlaceholderCipherText
	)
	ctx := map[string]string{CipherTextContextKey: CipherTextContextValue}
	tokens := strings.Split("t1 t2 t3 t4 t5 t6 t7 t8 t9 t10 t11", " ")
	r := &awsRequests{}
	g, w, d := OpGenerateDataKeyPair, OpGenerateDataKeyPairWithoutPlaintext, OpDecrypt

	// Bodies that are not the operation's JSON.
	r.add(g, "truncated JSON", `{"KeyId":"`+key+`","KeyPairSpec":`, provider.FailMalformedJSON)
	r.add(g, "a JSON array, not an object", `[]`, provider.FailMalformedJSON)
	r.add(g, "KeyPairSpec as a number", obj("KeyId", key, "KeyPairSpec", 256), provider.FailMalformedJSON)
	r.add(g, "EncryptionContext as a string", obj("KeyId", key, "KeyPairSpec", p256, "EncryptionContext", "purpose=x"), provider.FailMalformedJSON)
	r.add(g, "EncryptionContext with a number value", obj("KeyId", key, "KeyPairSpec", p256, "EncryptionContext", map[string]int{"n": 1}), provider.FailMalformedJSON)
	r.add(g, "DryRun as a string", obj("KeyId", key, "KeyPairSpec", p256, "DryRun", "true"), provider.FailMalformedJSON)
	r.add(g, "GrantTokens as a string", obj("KeyId", key, "KeyPairSpec", p256, "GrantTokens", "t1"), provider.FailMalformedJSON)

	// Well-formed JSON, invalid requests.
	r.add(g, "KeyId missing", obj("KeyPairSpec", p256), provider.FailMissingParameter)
	r.add(g, "KeyPairSpec missing", obj("KeyId", key), provider.FailMissingParameter)
	r.add(g, "KeyPairSpec ECC_NIST_P224 (not in the enum)", obj("KeyId", key, "KeyPairSpec", "ECC_NIST_P224"), provider.FailUnknownKeySpec)
	r.add(g, "KeyPairSpec in lower case", obj("KeyId", key, "KeyPairSpec", strings.ToLower(p256)), provider.FailUnknownKeySpec)
	r.add(g, "KeyPairSpec P-256 (not AWS's name)", obj("KeyId", key, "KeyPairSpec", "P-256"), provider.FailUnknownKeySpec)
	r.add(g, "11 GrantTokens (at most 10)", obj("KeyId", key, "KeyPairSpec", p256, "GrantTokens", tokens), provider.FailInvalidParameter)
	r.add(g, "master key not found", obj("KeyId", PlaceholderMissingKeyID, "KeyPairSpec", p256), provider.FailKeyNotFound)
	r.add(g, "alias that does not exist", obj("KeyId", "alias/ecdkp-conformance-missing", "KeyPairSpec", p256), provider.FailKeyNotFound)
	r.add(w, "KeyPairSpec missing", obj("KeyId", key), provider.FailMissingParameter)
	r.add(w, "KeyPairSpec ECC_NIST_P224 (not in the enum)", obj("KeyId", key, "KeyPairSpec", "ECC_NIST_P224"), provider.FailUnknownKeySpec)
	r.add(w, "master key not found", obj("KeyId", PlaceholderMissingKeyID, "KeyPairSpec", p256), provider.FailKeyNotFound)

	// Decrypt.
	r.add(d, "truncated JSON", `{"CiphertextBlob":`, provider.FailMalformedJSON)
	r.add(d, "CiphertextBlob as a number", obj("CiphertextBlob", 42), provider.FailMalformedJSON)
	r.add(d, "EncryptionContext as an array", obj("CiphertextBlob", ct, "EncryptionContext", []string{CipherTextContextKey, CipherTextContextValue}), provider.FailMalformedJSON)
	r.add(d, "CiphertextBlob missing", obj(), provider.FailMissingParameter)
	r.add(d, "CiphertextBlob empty", obj("CiphertextBlob", ""), provider.FailMissingParameter)
	r.add(d, "CiphertextBlob of 8 zero bytes", obj("CiphertextBlob", b64(make([]byte, 8))), provider.FailInvalidCiphertext)
	r.add(d, "EncryptionContext missing", obj("CiphertextBlob", ct), provider.FailDecrypt)
	r.add(d, "EncryptionContext with another value", obj("CiphertextBlob", ct, "EncryptionContext", map[string]string{CipherTextContextKey: CipherTextContextValue + "!"}), provider.FailDecrypt)
	r.add(d, "EncryptionContext with a pair added", obj("CiphertextBlob", ct, "EncryptionContext", map[string]string{CipherTextContextKey: CipherTextContextValue, "extra": ""}), provider.FailDecrypt)
	r.add(d, "EncryptionContext with the key in upper case", obj("CiphertextBlob", ct, "EncryptionContext", map[string]string{strings.ToUpper(CipherTextContextKey): CipherTextContextValue}), provider.FailDecrypt)
	r.add(d, "EncryptionContext split elsewhere: the same bytes when keys and values are joined",
		obj("CiphertextBlob", ct, "EncryptionContext", map[string]string{CipherTextContextKey + "ecdkp-": "conformance"}), provider.FailDecrypt)
	r.add(d, "EncryptionContext of the key alone", obj("CiphertextBlob", ct, "EncryptionContext", map[string]string{CipherTextContextKey + CipherTextContextValue: ""}), provider.FailDecrypt)
	r.add(d, "11 GrantTokens (at most 10)", obj("CiphertextBlob", ct, "EncryptionContext", ctx, "GrantTokens", tokens), provider.FailInvalidParameter)
	return r.out
}
