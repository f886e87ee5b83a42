package provider

import (
	"context"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/ecdkp/ecdkp/internal/jsonwrite"
)

// AuditRecord is one operation in the audit trail: who asked for what, in
// which project, under which master key, and what came of it. It never
// holds key material: neither the private key nor its envelopes.
type AuditRecord struct {
	Time   time.Time
	Action string
	Caller Caller
	// KeyID is the master key; KeySpec the data key pair's spec ("" when
	// the request named none, as a decrypt may).
	KeyID, KeySpec string
	// Holder is the second form of the private key the response carries:
	// "plaintext", "wrapping_key", "recipient", or "none".
	Holder string
	// WrappingAlgorithm is the custom-key algorithm of a "wrapping_key"
	// holder.
	WrappingAlgorithm string
	// Sequence is the request's sequence ("" for none).
	Sequence string
	// Failure is why the request was refused, 0 when it succeeded;
	// Message the refusal's message.
	Failure Failure
	Message string
	// Decision is what the Authorizer decided, when one ran.
	Decision *Decision
}

// Holder kinds of AuditRecord.Holder.
const (
	HolderPlaintext   = "plaintext"
	HolderWrappingKey = "wrapping_key"
	HolderRecipient   = "recipient"
	HolderNone        = "none"
)

// Auditor receives one record per operation, before the operation returns
// (so before a dialect answers). It must be safe for concurrent use and
// should not block for long: the request waits for it.
type Auditor interface {
	Audit(ctx context.Context, r *AuditRecord)
}

// WithAuditor sends a record of every operation to a.
func WithAuditor(a Auditor) Option {
	return func(p *Provider) { p.auditor = a }
}

// Audit sends r to the provider's Auditor, if any. Dialects call it for
// requests they refuse before the operation (authentication, malformed
// bodies), so those are in the trail too.
func (p *Provider) Audit(ctx context.Context, r *AuditRecord) {
	if p.auditor == nil {
		return
	}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	if r.Caller == (Caller{}) {
		r.Caller = CallerFrom(ctx)
	}
	p.auditor.Audit(ctx, r)
}

// holderKind names the second holder a create request asks for.
func holderKind(req *CreateEcDatakeyPairRequest) string {
	switch {
	case req.WrappingAlgorithm != "" || req.WrappingPublicKey != "":
		return HolderWrappingKey
	case req.Recipient != nil:
		return HolderRecipient
	case req.WithPlainText == nil || *req.WithPlainText:
		return HolderPlaintext
	}
	return HolderNone
}

// auditCreate records a create request and its outcome.
func (p *Provider) auditCreate(ctx context.Context, req *CreateEcDatakeyPairRequest, d *Decision, err error) {
	if p.auditor == nil || req == nil {
		return
	}
	r := &AuditRecord{Action: ActionCreateDataKeyPair, KeyID: req.KeyID, KeySpec: req.KeySpec,
		Holder: holderKind(req), WrappingAlgorithm: req.WrappingAlgorithm, Sequence: req.Sequence, Decision: d}
	r.setOutcome(err)
	p.Audit(ctx, r)
}

// auditDecrypt records a decrypt request and its outcome.
func (p *Provider) auditDecrypt(ctx context.Context, req *DecryptDatakeyPairRequest, keyID string, d *Decision, err error) {
	if p.auditor == nil || req == nil {
		return
	}
	r := &AuditRecord{Action: ActionDecrypt, KeyID: keyID, KeySpec: req.KeySpec, Holder: HolderPlaintext, Sequence: req.Sequence, Decision: d}
	r.setOutcome(err)
	p.Audit(ctx, r)
}

func (r *AuditRecord) setOutcome(err error) {
	if err == nil {
		return
	}
	e := AsError(err)
	r.Failure, r.Message = e.Failure, e.Message
}

// JSONAuditor writes each record as one line of JSON to w, with one Write
// per record (so a file opened with O_APPEND gets whole lines even from
// several processes). code, when set, gives the dialect's error code of a
// failure for the "error_code" member.
type JSONAuditor struct {
	mu   sync.Mutex
	w    io.Writer
	code func(dialect string, f Failure) string
	buf  []byte
}

// NewJSONAuditor returns an Auditor writing JSON lines to w.
func NewJSONAuditor(w io.Writer, code func(dialect string, f Failure) string) *JSONAuditor {
	return &JSONAuditor{w: w, code: code}
}

// auditJSON is the shape of one line: the field names are the audit
// format README.md documents.
type auditJSON struct {
	Time              string `json:"time"`
	RequestID         string `json:"request_id,omitempty"`
	Dialect           string `json:"dialect,omitempty"`
	Action            string `json:"action"`
	Principal         string `json:"principal,omitempty"`
	Credential        string `json:"credential,omitempty"`
	AuthMethod        string `json:"auth_method,omitempty"`
	Project           string `json:"project,omitempty"`
	KeyID             string `json:"key_id,omitempty"`
	KeySpec           string `json:"key_spec,omitempty"`
	Holder            string `json:"holder,omitempty"`
	WrappingAlgorithm string `json:"wrapping_algorithm,omitempty"`
	WithPlainText     bool   `json:"with_plain_text"`
	Sequence          string `json:"sequence,omitempty"`
	Outcome           string `json:"outcome"`
	ErrorCode         string `json:"error_code,omitempty"`
	Message           string `json:"message,omitempty"`
	Decision          string `json:"decision,omitempty"`
	DecidedBy         string `json:"decided_by,omitempty"`
	RemoteAddr        string `json:"remote_addr,omitempty"`
	// time is the record's Time, formatted (RFC 3339, UTC) by appendJSON
	// when Time is "".
	time time.Time
}

// Audit implements Auditor. A failed write is dropped: the trail is
// best-effort, the operation's answer is not held hostage to it.
func (a *JSONAuditor) Audit(_ context.Context, r *AuditRecord) {
	j := newAuditJSON(r, a.code)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.buf = append(j.appendJSON(a.buf[:0]), '\n')
	_, _ = a.w.Write(a.buf)
}

// newAuditJSON is the line of a record.
func newAuditJSON(r *AuditRecord, code func(dialect string, f Failure) string) auditJSON {
	j := auditJSON{
		RequestID: r.Caller.RequestID, Dialect: r.Caller.Dialect,
		Action: r.Action, Principal: r.Caller.Principal, Credential: r.Caller.Credential, AuthMethod: r.Caller.Method,
		Project: r.Caller.ProjectID, KeyID: r.KeyID, KeySpec: r.KeySpec, Holder: r.Holder,
		WrappingAlgorithm: r.WrappingAlgorithm, WithPlainText: r.Holder == HolderPlaintext, Sequence: r.Sequence,
		Outcome: "ok", RemoteAddr: r.Caller.RemoteAddr, time: r.Time,
	}
	if r.Failure != 0 {
		j.Outcome, j.Message = r.Failure.String(), r.Message
		if code != nil {
			j.ErrorCode = code(r.Caller.Dialect, r.Failure)
		}
	}
	if r.Decision != nil {
		j.Decision, j.DecidedBy = "denied", r.Decision.By
		if r.Decision.Allowed {
			j.Decision = "allowed"
		}
	}
	return j
}

// appendJSON appends the line as encoding/json marshals auditJSON (a test
// holds the two equal), without its reflection and allocations: the
// audit trail is written on every request.
func (j *auditJSON) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"time":"`...)
	if j.Time != "" {
		dst = append(dst, j.Time...)
	} else {
		dst = j.time.UTC().AppendFormat(dst, time.RFC3339Nano)
	}
	dst = append(dst, '"')
	opt := func(dst []byte, name, v string) []byte {
		if v == "" {
			return dst
		}
		return req(dst, name, v)
	}
	dst = opt(dst, `,"request_id":`, j.RequestID)
	dst = opt(dst, `,"dialect":`, j.Dialect)
	dst = req(dst, `,"action":`, j.Action)
	dst = opt(dst, `,"principal":`, j.Principal)
	dst = opt(dst, `,"credential":`, j.Credential)
	dst = opt(dst, `,"auth_method":`, j.AuthMethod)
	dst = opt(dst, `,"project":`, j.Project)
	dst = opt(dst, `,"key_id":`, j.KeyID)
	dst = opt(dst, `,"key_spec":`, j.KeySpec)
	dst = opt(dst, `,"holder":`, j.Holder)
	dst = opt(dst, `,"wrapping_algorithm":`, j.WrappingAlgorithm)
	dst = append(dst, `,"with_plain_text":`...)
	dst = strconv.AppendBool(dst, j.WithPlainText)
	dst = opt(dst, `,"sequence":`, j.Sequence)
	dst = req(dst, `,"outcome":`, j.Outcome)
	dst = opt(dst, `,"error_code":`, j.ErrorCode)
	dst = opt(dst, `,"message":`, j.Message)
	dst = opt(dst, `,"decision":`, j.Decision)
	dst = opt(dst, `,"decided_by":`, j.DecidedBy)
	dst = opt(dst, `,"remote_addr":`, j.RemoteAddr)
	return append(dst, '}')
}

// req appends one member (name is its ,"name": prefix).
func req(dst []byte, name, v string) []byte {
	return jsonwrite.AppendString(append(dst, name...), v)
}
