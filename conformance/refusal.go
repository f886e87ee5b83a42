package conformance

import (
	"errors"
	"fmt"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// Refusal is a request's rejection as the wire shows it: the HTTP status,
// the KMS error code and the message. HTTP targets return it for every
// error response.
type Refusal struct {
	Status  int
	Code    string
	Message string
}

// Error implements error.
func (r *Refusal) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", r.Status, r.Code, r.Message)
}

// AsRefusal returns the Refusal err carries: a *Refusal itself, or a
// *provider.Error (an in-process target's) answered as the Huawei dialect
// answers its failure. It returns false for any other error, a transport
// failure.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r, true
	}
	var pe *provider.Error
	if errors.As(err, &pe) {
		c := huawei.CodeOf(pe.Failure)
		return &Refusal{Status: c.Status, Code: c.Code, Message: pe.Message}, true
	}
	return nil, false
}
