package provider

import (
	"context"
	"strconv"
)

// Actions passed to the Authorizer, as Huawei IAM names them; the package
// doc lists them with what each does.
const (
	ActionCreateDataKeyPair = "kms:cmk:createDataKeyPair"
	ActionDecrypt           = "kms:cmk:decrypt"
	ActionCreateKey         = "kms:cmk:create"
	ActionDescribeKey       = "kms:cmk:get"
	ActionListKeys          = "kms:cmk:list"
	ActionEnableKey         = "kms:cmk:enable"
	ActionDisableKey        = "kms:cmk:disable"
	ActionScheduleDeletion  = "kms:cmk:scheduleDeletion"
	ActionCancelDeletion    = "kms:cmk:cancelDeletion"
)

// Actions lists every action, in the order of the package doc's table.
func Actions() []string {
	return []string{ActionCreateDataKeyPair, ActionDecrypt, ActionCreateKey, ActionDescribeKey, ActionListKeys,
		ActionEnableKey, ActionDisableKey, ActionScheduleDeletion, ActionCancelDeletion}
}

// Condition keys the provider fills in an AuthzRequest; the package doc
// lists them with their types and when they are known.
const (
	// CondKeySpec and CondDataKeyPairSpec are the data key pair's spec
	// (e.g. ECC_NIST_P256), under Huawei's and AWS's names. For decrypt
	// it is the envelope's spec, whether or not the request names one:
	// the v2 header's, or for an envelope v1 the request's key_spec, and
	// without one what opening the envelope tells (asked again at
	// PhaseFinal before the plaintext is returned).
	CondKeySpec         = "kms:KeySpec"
	CondDataKeyPairSpec = "kms:DataKeyPairSpec"
	// CondWithPlainText is whether the private key is returned in
	// plaintext ("true"/"false").
	CondWithPlainText = "kms:WithPlainText"
	// CondHolder is the second holder of the private key: "plaintext",
	// "wrapping_key", "recipient" or "none".
	CondHolder = "ecdkp:Holder"
	// CondWrappingAlgorithm is the custom-key envelope's algorithm.
	CondWrappingAlgorithm = "kms:WrappingAlgorithm"
	// CondEncryptionContext is Huawei's additional_authenticated_data,
	// present only when set (the API defines it as non-sensitive data).
	CondEncryptionContext = "kms:EncryptionContext"
	// CondEncryptionContextPresent is "true" or "false".
	CondEncryptionContextPresent = "kms:EncryptionContextPresent"
	// CondEncryptionContextPrefix followed by a key is the value of that
	// key of AWS's EncryptionContext; CondEncryptionContextKeys lists the
	// keys (multivalued).
	CondEncryptionContextPrefix = "kms:EncryptionContext:"
	CondEncryptionContextKeys   = "kms:EncryptionContextKeys"
	// CondProject is the project the request acts in.
	CondProject = "ecdkp:Project"
	// CondKeyUsage is the master key's usage (ENCRYPT_DECRYPT).
	CondKeyUsage = "kms:KeyUsage"
	// CondKeyOrigin is the master key's origin (kms, external, hsm).
	CondKeyOrigin = "kms:KeyOrigin"
	// CondRecipientAttestationPrefix followed by PCR0..PCR31 or
	// ImageSha384 is a PCR of the verified attestation document (lower-case
	// hex).
	CondRecipientAttestationPrefix = "kms:RecipientAttestation:"
	// Keys a policy may name that this provider never sets: its keys are
	// single-region, belong to no enterprise project, and have no tags or
	// aliases. A condition on them behaves as on any absent key.
	CondMultiRegionKeyType = "kms:MultiRegionKeyType"
	CondEnterpriseProject  = "g:EnterpriseProjectId"
	CondResourceTagPrefix  = "g:ResourceTag/"
	CondRequestAlias       = "kms:RequestAlias"
	CondResourceAliases    = "kms:ResourceAliases"
)

// AuthzPhase is how much of a request is known when the Authorizer is
// asked. The provider asks before it looks the master key up, again once
// it knows the key (and, with a recipient, before it verifies the
// attestation document), and a last time with everything known: a caller
// refused early costs no key lookup, no certificate verification and no
// key generation, and learns nothing about the key.
type AuthzPhase int

// Phases, in the order the provider asks.
const (
	// PhaseRequest: what the request says. The key's condition keys and
	// the attestation's are not known yet.
	PhaseRequest AuthzPhase = iota
	// PhaseKey: the key's condition keys are known; with a recipient, the
	// attestation's are not yet.
	PhaseKey
	// PhaseFinal: everything is known; only an Allow here lets the
	// request proceed.
	PhaseFinal
)

// String names the phase.
func (p AuthzPhase) String() string {
	switch p {
	case PhaseRequest:
		return "request"
	case PhaseKey:
		return "key"
	case PhaseFinal:
		return "final"
	}
	return "AuthzPhase(" + strconv.Itoa(int(p)) + ")"
}

// ConditionKey describes one condition key (or family, with Prefix).
type ConditionKey struct {
	Name string
	// Type is "String", "Bool" or "Numeric".
	Type string
	// Prefix makes Name a prefix followed by a suffix (Suffixes lists the
	// only ones allowed, when not empty).
	Prefix   bool
	Suffixes []string
	// Multi marks a multivalued key.
	Multi bool
	// Known is the first phase at which the provider knows the key; a key
	// the provider never sets is known (as absent) from PhaseRequest.
	Known AuthzPhase
}

// ConditionKeys lists every condition key, in the order of the package
// doc's table.
func ConditionKeys() []ConditionKey {
	pcrs := make([]string, 0, 33)
	for i := range 32 {
		pcrs = append(pcrs, "PCR"+strconv.Itoa(i))
	}
	pcrs = append(pcrs, "ImageSha384")
	return []ConditionKey{
		{Name: CondKeySpec, Type: "String"},
		{Name: CondDataKeyPairSpec, Type: "String"},
		{Name: CondWithPlainText, Type: "Bool"},
		{Name: CondHolder, Type: "String"},
		{Name: CondWrappingAlgorithm, Type: "String"},
		{Name: CondEncryptionContext, Type: "String"},
		{Name: CondEncryptionContextPresent, Type: "Bool"},
		{Name: CondEncryptionContextPrefix, Type: "String", Prefix: true},
		{Name: CondEncryptionContextKeys, Type: "String", Multi: true},
		{Name: CondProject, Type: "String"},
		{Name: CondKeyUsage, Type: "String", Known: PhaseKey},
		{Name: CondKeyOrigin, Type: "String", Known: PhaseKey},
		{Name: CondRecipientAttestationPrefix, Type: "String", Prefix: true, Suffixes: pcrs, Known: PhaseFinal},
		{Name: CondMultiRegionKeyType, Type: "String"},
		{Name: CondEnterpriseProject, Type: "String"},
		{Name: CondResourceTagPrefix, Type: "String", Prefix: true},
		{Name: CondRequestAlias, Type: "String"},
		{Name: CondResourceAliases, Type: "String", Multi: true},
	}
}

// KnownAt reports whether the provider knows the condition key named name
// (a prefix key with its suffix) at phase: the Authorizer treats a key not
// yet known as undecided, not as absent.
func KnownAt(name string, phase AuthzPhase) bool {
	switch {
	case name == CondKeyUsage || name == CondKeyOrigin:
		return phase >= PhaseKey
	case len(name) > len(CondRecipientAttestationPrefix) && name[:len(CondRecipientAttestationPrefix)] == CondRecipientAttestationPrefix:
		return phase >= PhaseFinal
	}
	return true
}

// ResourceName is the resource a request acts on, in Huawei IAM's form:
// KMS:<region>:<project>:KeyId:<key_id>.
func ResourceName(region, project, keyID string) string {
	return "KMS:" + region + ":" + project + ":KeyId:" + keyID
}

// AuthzRequest is what an Authorizer decides on. It is built only when an
// Authorizer is configured.
type AuthzRequest struct {
	Phase  AuthzPhase
	Action string
	// Resource is ResourceName of the request's master key.
	Resource string
	KeyID    string
	Caller   Caller
	// Conditions holds the condition keys known at Phase (see KnownAt);
	// single-valued keys hold one value.
	Conditions map[string][]string
}

// Decision is what an Authorizer decided about one request; the audit
// trail records it.
type Decision struct {
	Allowed bool
	// By names what decided: a policy statement's Sid, or the
	// Authorizer's own name.
	By string
}

// Authorizer decides whether a caller may do what it asks, in phases (see
// AuthzPhase): at PhaseRequest and PhaseKey a Decision that does not
// allow refuses the request early, and Allowed means only "not refused
// yet"; at PhaseFinal only Allowed lets it proceed. A refusal is
// FailForbidden; an error refuses too (a *Error is passed through,
// anything else becomes FailForbidden). The embedding KMS owns IAM;
// without an Authorizer everything is allowed.
type Authorizer interface {
	Authorize(ctx context.Context, req *AuthzRequest) (Decision, error)
}

// AuthorizerFunc adapts a function to Authorizer: it is called at
// PhaseFinal only, and a nil error allows, any other refuses. Its
// decisions are by "authorizer".
type AuthorizerFunc func(ctx context.Context, req *AuthzRequest) error

// Authorize calls f at PhaseFinal.
func (f AuthorizerFunc) Authorize(ctx context.Context, req *AuthzRequest) (Decision, error) {
	if req.Phase != PhaseFinal {
		return Decision{Allowed: true, By: "authorizer"}, nil
	}
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
