package aws

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ecdkp/ecdkp/provider"
)

// Code is a failure as this dialect answers it: the HTTP status and the
// error's __type.
type Code struct {
	Status int
	Type   string
}

// codes maps every provider failure to its answer; the package doc shows
// the same table, and a test checks that the two agree.
var codes = map[provider.Failure]Code{
	provider.FailInvalidURL:           {http.StatusBadRequest, "UnknownOperationException"},
	provider.FailNotFound:             {http.StatusBadRequest, "UnknownOperationException"},
	provider.FailMethodNotAllowed:     {http.StatusBadRequest, "UnknownOperationException"},
	provider.FailMalformedJSON:        {http.StatusBadRequest, "SerializationException"},
	provider.FailRequestTooLarge:      {http.StatusRequestEntityTooLarge, "ValidationException"},
	provider.FailMissingParameter:     {http.StatusBadRequest, "ValidationException"},
	provider.FailInvalidKeyID:         {http.StatusBadRequest, "NotFoundException"},
	provider.FailInvalidSequence:      {http.StatusBadRequest, "ValidationException"},
	provider.FailReplay:               {http.StatusBadRequest, "ValidationException"},
	provider.FailInvalidParameter:     {http.StatusBadRequest, "ValidationException"},
	provider.FailUnknownKeySpec:       {http.StatusBadRequest, "ValidationException"},
	provider.FailInvalidWrappingKey:   {http.StatusBadRequest, "ValidationException"},
	provider.FailUnsupportedAlgorithm: {http.StatusBadRequest, "ValidationException"},
	provider.FailInvalidAttestation:   {http.StatusBadRequest, "ValidationException"},
	provider.FailKeyUsage:             {http.StatusBadRequest, "InvalidKeyUsageException"},
	provider.FailKeyNotFound:          {http.StatusBadRequest, "NotFoundException"},
	provider.FailKeyDisabled:          {http.StatusBadRequest, "DisabledException"},
	provider.FailKeyPendingDeletion:   {http.StatusBadRequest, "KMSInvalidStateException"},
	provider.FailKeyPendingImport:     {http.StatusBadRequest, "KMSInvalidStateException"},
	provider.FailInvalidState:         {http.StatusBadRequest, "KMSInvalidStateException"},
	provider.FailInvalidCiphertext:    {http.StatusBadRequest, "InvalidCiphertextException"},
	provider.FailDecrypt:              {http.StatusBadRequest, "InvalidCiphertextException"},
	provider.FailIncorrectKey:         {http.StatusBadRequest, "IncorrectKeyException"},
	provider.FailUnauthenticated:      {http.StatusBadRequest, "InvalidSignatureException"},
	provider.FailForbidden:            {http.StatusBadRequest, "AccessDeniedException"},
	provider.FailUnsupported:          {http.StatusBadRequest, "UnsupportedOperationException"},
	provider.FailDryRun:               {http.StatusPreconditionFailed, "DryRunOperationException"},
	provider.FailCanceled:             {499, "KMSInternalException"},
	provider.FailUnavailable:          {http.StatusServiceUnavailable, "DependencyTimeoutException"},
	provider.FailInternal:             {http.StatusInternalServerError, "KMSInternalException"},
}

// Error types the authentication refusals get beside the table's: no
// credential at all, and an access key over its replay cache's bound.
const (
	typeMissingToken = "MissingAuthenticationTokenException"
	typeThrottling   = "ThrottlingException"
)

// CodeOf returns the answer of a failure; one this table does not know is
// an internal error.
func CodeOf(f provider.Failure) Code {
	if c, ok := codes[f]; ok {
		return c
	}
	return codes[provider.FailInternal]
}

// memberNames renames, in the provider's messages, the request fields of
// its Huawei-shaped request (provider.CreateRequest, DecryptRequest) to
// the members of this dialect they come from, so that a message names
// what the caller sent.
var memberNames = strings.NewReplacer(
	"recipient.key_encryption_algorithm", "Recipient.KeyEncryptionAlgorithm",
	"recipient.attestation_document", "Recipient.AttestationDocument",
	"additional_authenticated_data", "EncryptionContext",
	"cipher_text", "CiphertextBlob",
	"key_spec", "KeyPairSpec",
	"key_id", "KeyId",
)

// awsMessage is a provider message in this dialect's member names.
func awsMessage(msg string) string { return memberNames.Replace(msg) }

// ErrorBody is the JSON of an error response, as AWS JSON 1.1 services
// write it: the SDKs read __type (and the X-Amzn-ErrorType header).
type ErrorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// writeError answers e with the status and type c.
func writeError(w http.ResponseWriter, c Code, msg string) {
	out, _ := json.Marshal(ErrorBody{Type: c.Type, Message: msg})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", c.Type)
	w.WriteHeader(c.Status)
	_, _ = w.Write(out)
}
