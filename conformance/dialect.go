package conformance

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/aws"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// Dialect is the wire protocol a Target speaks: it decides which checks
// apply and how an expected refusal looks (Huawei's error_code or AWS's
// __type).
type Dialect string

// The dialects.
const (
	// Huawei is Huawei Cloud KMS's API (create-ec-datakey-pair), the
	// default: with_plain_text, additional_authenticated_data, sequence,
	// custom wrapping keys, errors {"error":{"error_code":"KMS.XXXX"}}.
	Huawei Dialect = "huawei"
	// AWS is AWS KMS's JSON 1.1 protocol (GenerateDataKeyPair,
	// GenerateDataKeyPairWithoutPlaintext, Decrypt): EncryptionContext,
	// DryRun, KeyId as an ARN, errors {"__type":"NotFoundException"}.
	AWS Dialect = "aws"
)

// ParseDialect reads "huawei" or "aws".
func ParseDialect(s string) (Dialect, error) {
	switch d := Dialect(strings.ToLower(s)); d {
	case Huawei, AWS:
		return d, nil
	}
	return "", fmt.Errorf("conformance: unknown dialect %q: want huawei or aws", s)
}

// DialectTarget is implemented by Targets that speak one dialect
// (HTTPTarget speaks Huawei's, AWSTarget AWS's). A Target that does not,
// such as *provider.Provider, is checked in the dialect WithDialect names,
// Huawei's by default.
type DialectTarget interface {
	Dialect() Dialect
}

// refusal describes an expected rejection: the HTTP status and the
// dialect's code (Huawei's error_code, AWS's __type).
type refusal struct {
	status int
	code   string
}

func (r refusal) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.code) }

// refusalIn is how dialect d answers failure f.
func refusalIn(d Dialect, f provider.Failure) refusal {
	if d == AWS {
		c := aws.CodeOf(f)
		return refusal{c.Status, c.Type}
	}
	c := huawei.CodeOf(f)
	return refusal{c.Status, c.Code}
}

// asRefusalIn is AsRefusal with a *provider.Error answered as dialect d
// answers its failure.
func asRefusalIn(d Dialect, err error) (*Refusal, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r, true
	}
	var pe *provider.Error
	if errors.As(err, &pe) {
		w := refusalIn(d, pe.Failure)
		return &Refusal{Status: w.status, Code: w.code, Message: pe.Message}, true
	}
	return nil, false
}

// knownCodes are the error codes a dialect may answer: its table's, and
// for AWS the authentication and throttling types of the AWS JSON
// protocols and the common errors of every AWS service.
var knownCodes = func() map[Dialect]map[string]bool {
	m := map[Dialect]map[string]bool{Huawei: {}, AWS: {}}
	for _, f := range provider.Failures() {
		m[Huawei][huawei.CodeOf(f).Code] = true
		m[AWS][aws.CodeOf(f).Type] = true
	}
	for _, t := range []string{
		"MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException",
		"IncompleteSignatureException", "InvalidClientTokenIdException", "ExpiredTokenException", "AccessDeniedException",
		"ThrottlingException", "LimitExceededException", "RequestExpired",
		"ServiceUnavailableException", "InternalFailure", "KMSInternalException", "DependencyTimeoutException",
		"KeyUnavailableException", "InvalidGrantTokenException", "InvalidArnException", "InvalidKeyUsageException",
		"IncorrectKeyException", "CustomKeyStoreInvalidStateException", "DisabledException", "NotFoundException",
		"KMSInvalidStateException", "InvalidCiphertextException", "ValidationException", "SerializationException",
		"UnknownOperationException", "UnsupportedOperationException", "DryRunOperationException", "OptInRequired",
		"MalformedQueryString", "MissingAction", "InvalidAction", "InvalidParameterValue", "InvalidParameterCombination",
		"MissingParameter", "NotAuthorized",
	} {
		m[AWS][t] = true
	}
	return m
}()

// authenticationRefused reports whether a refusal says the credentials
// were not accepted: the endpoint cannot be used at all with them.
func authenticationRefused(d Dialect, r *Refusal) bool {
	if d == AWS {
		switch r.Code {
		case "MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException",
			"IncompleteSignatureException", "InvalidClientTokenIdException", "ExpiredTokenException", "AccessDeniedException":
			return true
		}
		return false
	}
	return r.Code == huawei.CodeOf(provider.FailUnauthenticated).Code || r.Code == huawei.CodeOf(provider.FailForbidden).Code ||
		r.Status == 401 || r.Status == 403
}
