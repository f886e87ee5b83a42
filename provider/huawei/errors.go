package huawei

import (
	"encoding/json"
	"net/http"

	"github.com/ecdkp/ecdkp/provider"
)

// Code is a failure as this dialect answers it: the HTTP status and the
// KMS error code.
type Code struct {
	Status int
	Code   string
}

// codes maps every provider failure to its answer; the package doc shows
// the same table, and a test checks that the two agree.
var codes = map[provider.Failure]Code{
	provider.FailInvalidURL:           {http.StatusBadRequest, "KMS.0201"},
	provider.FailNotFound:             {http.StatusNotFound, "KMS.0201"},
	provider.FailMethodNotAllowed:     {http.StatusMethodNotAllowed, "KMS.0201"},
	provider.FailMalformedJSON:        {http.StatusBadRequest, "KMS.0202"},
	provider.FailRequestTooLarge:      {http.StatusRequestEntityTooLarge, "KMS.0203"},
	provider.FailMissingParameter:     {http.StatusBadRequest, "KMS.0204"},
	provider.FailInvalidKeyID:         {http.StatusBadRequest, "KMS.0205"},
	provider.FailInvalidSequence:      {http.StatusBadRequest, "KMS.0206"},
	provider.FailReplay:               {http.StatusConflict, "KMS.0206"},
	provider.FailInvalidParameter:     {http.StatusBadRequest, "KMS.0308"},
	provider.FailUnknownKeySpec:       {http.StatusBadRequest, "KMS.0308"},
	provider.FailInvalidWrappingKey:   {http.StatusBadRequest, "KMS.0308"},
	provider.FailUnsupportedAlgorithm: {http.StatusBadRequest, "KMS.0308"},
	provider.FailInvalidAttestation:   {http.StatusBadRequest, "KMS.0308"},
	provider.FailKeyUsage:             {http.StatusBadRequest, "KMS.0308"},
	provider.FailKeyNotFound:          {http.StatusNotFound, "KMS.0207"},
	provider.FailKeyDisabled:          {http.StatusBadRequest, "KMS.0209"},
	provider.FailKeyPendingDeletion:   {http.StatusBadRequest, "KMS.0210"},
	provider.FailKeyPendingImport:     {http.StatusBadRequest, "KMS.0310"},
	provider.FailInvalidCiphertext:    {http.StatusBadRequest, "KMS.2201"},
	provider.FailDecrypt:              {http.StatusBadRequest, "KMS.2203"},
	provider.FailUnauthenticated:      {http.StatusUnauthorized, "KMS.0301"},
	provider.FailForbidden:            {http.StatusForbidden, "KMS.0306"},
	provider.FailCanceled:             {499, "KMS.0101"},
	provider.FailUnavailable:          {http.StatusServiceUnavailable, "KMS.0101"},
	provider.FailInternal:             {http.StatusInternalServerError, "KMS.0101"},
	provider.FailIncorrectKey:         {http.StatusBadRequest, "KMS.2203"},
	provider.FailUnsupported:          {http.StatusBadRequest, "KMS.0308"},
	provider.FailDryRun:               {http.StatusPreconditionFailed, "KMS.0308"},
	provider.FailInvalidState:         {http.StatusBadRequest, "KMS.0308"},
}

// CodeOf returns the answer of a failure; one this table does not know is
// an internal error.
func CodeOf(f provider.Failure) Code {
	if c, ok := codes[f]; ok {
		return c
	}
	return codes[provider.FailInternal]
}

// ErrorBody is the JSON of an error response: Huawei KMS nests error_code
// and error_msg under "error", and the official SDK reads them from there.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inner error object.
type ErrorDetail struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// writeError answers e with its status and the error body.
func writeError(w http.ResponseWriter, e *provider.Error) Code {
	c := CodeOf(e.Failure)
	out, _ := json.Marshal(ErrorBody{ErrorDetail{ErrorCode: c.Code, ErrorMsg: e.Message}})
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(c.Status)
	_, _ = w.Write(out)
	return c
}
