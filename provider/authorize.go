package provider

import "context"

// Actions passed to the Authorizer, as Huawei IAM names them.
const (
	ActionCreateDataKeyPair = "kms:cmk:createDataKeyPair"
	ActionDecrypt           = "kms:cmk:decrypt"
)

// Condition keys the provider fills in an AuthzRequest.
const (
	// CondKeySpec is the data key pair's spec (e.g. ECC_NIST_P256).
	CondKeySpec = "kms:KeySpec"
	// CondKeyUsage is the master key's usage (ENCRYPT_DECRYPT).
	CondKeyUsage = "kms:KeyUsage"
	// CondKeyOrigin is the master key's origin (kms, external, hsm).
	CondKeyOrigin = "kms:KeyOrigin"
	// CondEncryptionContext is the caller's AAD, present only when set
	// (the API defines it as non-sensitive data).
	CondEncryptionContext = "kms:EncryptionContext"
	// CondEncryptionContextPresent is "true" or "false".
	CondEncryptionContextPresent = "kms:EncryptionContextPresent"
	// CondWrappingAlgorithm is the custom-key envelope's algorithm.
	CondWrappingAlgorithm = "kms:WrappingAlgorithm"
)

// AuthzRequest is what an Authorizer decides on. It is built only when an
// Authorizer is configured.
type AuthzRequest struct {
	Action     string
	KeyID      string
	Caller     Caller
	Conditions map[string]string
}

// Decision is what an Authorizer decided about one request; the audit
// trail records it.
type Decision struct {
	Allowed bool
	// By names what decided: a policy statement's Sid, or the
	// Authorizer's own name.
	By string
}

// Authorizer is called after the master key is resolved and before any key
// is generated or decrypted. A Decision that does not allow refuses the
// request with FailForbidden; an error refuses it too (a *Error is passed
// through, anything else becomes FailForbidden). The embedding KMS owns
// IAM; without an Authorizer everything is allowed.
type Authorizer interface {
	Authorize(ctx context.Context, req *AuthzRequest) (Decision, error)
}

// AuthorizerFunc adapts a function to Authorizer: a nil error allows, any
// other refuses. Its decisions are by "authorizer".
type AuthorizerFunc func(ctx context.Context, req *AuthzRequest) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, req *AuthzRequest) (Decision, error) {
	if err := f(ctx, req); err != nil {
		return Decision{By: "authorizer"}, err
	}
	return Decision{Allowed: true, By: "authorizer"}, nil
}

// Caller is who sent a request, as the HTTP handler (or an embedding
// service) established it.
type Caller struct {
	// ProjectID is the project the request acts in (Huawei's project_id,
	// AWS's account); "" in process, where no project is checked.
	ProjectID string
	// Principal names the authenticated caller ("" when unauthenticated).
	Principal string
	// Credential is the credential it authenticated with (an access key,
	// "token"), and Method how (auth.MethodToken, ...).
	Credential, Method string
	// RequestID identifies the request in logs and the audit trail.
	RequestID string
	// Dialect is the HTTP dialect the request came in ("huawei", "aws"),
	// "" in process; RemoteAddr is the client's address.
	Dialect, RemoteAddr string
}

type callerKey struct{}

// WithCaller returns a context carrying the caller.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored by WithCaller, or the zero Caller.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}
