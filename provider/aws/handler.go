package aws

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/ecdkp/ecdkp/internal/jsonobj"
	"github.com/ecdkp/ecdkp/internal/jsonwrite"
	"github.com/ecdkp/ecdkp/internal/quote"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/internal/httpbody"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// Dialect is this dialect's name in provider.Caller.
const Dialect = "aws"

const (
	// TargetHeader names the operation of an AWS JSON 1.1 request.
	TargetHeader = "X-Amz-Target"
	// targetPrefix is the service's part of TargetHeader.
	targetPrefix = "TrentService."
	contentType  = "application/x-amz-json-1.1"
	// RequestIDHeader carries the request id on every response.
	RequestIDHeader = "X-Amzn-Requestid"
	// MaxBodySize bounds a request body.
	MaxBodySize = 64 << 10
	clipLen     = 64
)

// Option configures NewHandler.
type Option func(*handler)

// WithAuthenticator requires every request to authenticate (normally
// auth.SigV4). Refusals come before the body is parsed or any key touched.
func WithAuthenticator(a auth.Authenticator) Option {
	return func(h *handler) { h.authn = a }
}

// WithLogger logs one line per request: operation, status, error type,
// duration, request id and principal; never bodies or keys.
func WithLogger(l *slog.Logger) Option {
	return func(h *handler) { h.log = l }
}

// WithDefaultAccount sets the account (the project) of requests whose
// caller is not bound to exactly one project and whose KeyId is not an
// ARN naming one: keystore.DefaultProject unless set. An account that is
// not a valid project (keystore.ValidProject; "" included) is no default:
// the requests that would act in it are refused (KMSInternalException).
func WithDefaultAccount(account string) Option {
	return func(h *handler) { h.account = account }
}

// WithKeyManagement serves the dev-loop key operations (CreateKey,
// DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion,
// CancelKeyDeletion); without it they are UnsupportedOperationException.
func WithKeyManagement() Option {
	return func(h *handler) { h.manage = true }
}

type handler struct {
	p       *provider.Provider
	authn   auth.Authenticator
	log     *slog.Logger
	account string
	manage  bool
}

// NewHandler serves the provider in AWS KMS's JSON 1.1 protocol: POST /
// with X-Amz-Target: TrentService.<Operation> and a body of
// application/x-amz-json-1.1. See the package doc for the operations.
func NewHandler(p *provider.Provider, opts ...Option) http.Handler {
	h := &handler{p: p, account: keystore.DefaultProject}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Matches reports whether r is a request of this dialect (it names an
// X-Amz-Target), so one listener can serve both dialects.
func Matches(r *http.Request) bool { return r.Header.Get(TargetHeader) != "" }

// request is one request being served.
type request struct {
	h      *handler
	r      *http.Request
	caller provider.Caller
	pr     auth.Principal
	body   *jsonobj.Object
}

// answer is an operation's success: the members of a body that holds key
// material (written wiped), or a value for encoding/json. The members are
// held in the answer itself, which stays on the stack.
type answer struct {
	secret  [7]jsonwrite.Field
	nSecret int
	value   any
}

// secretAnswer is the answer of a body that holds key material.
func secretAnswer(fields ...jsonwrite.Field) answer {
	var a answer
	a.nSecret = copy(a.secret[:], fields)
	return a
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := newRequestID()
	hdr := w.Header()
	hdr[RequestIDHeader] = []string{rid}
	hdr["Cache-Control"] = noStore
	req := &request{h: h, r: r, caller: provider.Caller{RequestID: rid, Dialect: Dialect, RemoteAddr: r.RemoteAddr}}
	op := strings.TrimPrefix(r.Header.Get(TargetHeader), targetPrefix)
	status, errType := http.StatusOK, ""
	defer func() {
		if v := recover(); v != nil {
			c := CodeOf(provider.FailInternal)
			writeError(w, c, "internal error")
			status, errType = c.Status, c.Type
		}
		if h.log != nil && h.log.Enabled(r.Context(), slog.LevelInfo) {
			// The record Logger.LogAttrs would make, without its
			// runtime.Callers: the source of this line is no news.
			rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			rec.AddAttrs(slog.String("dialect", Dialect), slog.String("operation", quote.Clip(op, clipLen)),
				slog.Int("status", status), slog.String("error_type", errType),
				slog.Duration("duration", time.Since(start)), slog.String("request_id", rid),
				slog.String("principal", req.caller.Principal))
			_ = h.log.Handler().Handle(r.Context(), rec)
		}
	}()
	a, c, msg, before := req.serve(op)
	if c != nil {
		if before {
			h.p.Audit(r.Context(), &provider.AuditRecord{Action: actionOf(op), Caller: req.caller, Failure: c.failure, Message: msg})
		}
		if c.retryAfter {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-Amz-Retry-After", "1000")
		}
		writeError(w, c.Code, msg)
		status, errType = c.Status, c.Type
		return
	}
	hdr["Content-Type"] = contentTypeValue
	if a.nSecret > 0 {
		jsonwrite.WithBody(a.secret[:a.nSecret], func(out []byte) {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(out)
		})
		return
	}
	out, err := jsonMarshal(a.value)
	if err != nil {
		c := CodeOf(provider.FailInternal)
		writeError(w, c, "internal error")
		status, errType = c.Status, c.Type
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// refusal is a failure and its answer.
type refusal struct {
	Code
	failure provider.Failure
	// retryAfter asks the client to retry no sooner than a second later.
	retryAfter bool
}

func refuse(f provider.Failure) *refusal { return &refusal{Code: CodeOf(f), failure: f} }

// serve handles one request; before says whether a refusal came before
// the operation ran (which audits its own).
func (q *request) serve(op string) (_ answer, _ *refusal, msg string, before bool) {
	r := q.r
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return answer{}, refuse(provider.FailNotFound), "this endpoint serves POST / only", true
	}
	if targets := r.Header[TargetHeader]; len(targets) > 1 {
		// A singleton field sent twice: SigV4 signs the values joined, a
		// gateway in front may act on the last, the lookup takes the
		// first.
		return answer{}, refuse(provider.FailNotFound), TargetHeader + " must be sent once", true
	}
	o, known := operations[op]
	if !known || !strings.HasPrefix(q.r.Header.Get(TargetHeader), targetPrefix) {
		return answer{}, refuse(provider.FailNotFound), "unknown operation " + quote.Quote(q.r.Header.Get(TargetHeader), clipLen), true
	}
	if cts := r.Header["Content-Type"]; len(cts) > 1 {
		// A singleton field sent twice: a gateway in front may have read
		// the other one.
		return answer{}, refuse(provider.FailMalformedJSON), "Content-Type must be sent once", true
	} else if len(cts) == 0 || cts[0] != contentType && !isContentType(cts[0]) {
		return answer{}, refuse(provider.FailMalformedJSON), "Content-Type must be " + contentType, true
	}
	body, e := httpbody.Read(r, MaxBodySize)
	if e != nil {
		return answer{}, refuse(e.Failure), e.Message, true
	}
	if q.h.authn != nil {
		pr, err := q.h.authn.Authenticate(r, body)
		if err != nil {
			c := refuse(provider.FailUnauthenticated)
			switch {
			case errors.Is(err, keystore.ErrUnavailable):
				// A fleet's shared replay record is out of reach.
				c = refuse(provider.FailUnavailable)
			case errors.Is(err, auth.ErrNoCredentials):
				c.Type = typeMissingToken
			case errors.Is(err, auth.ErrReplayed), errors.Is(err, auth.ErrReplayCacheFull):
				// Retryable: an SDK signs its retry anew, at least a
				// second later (the retry-after headers), so a client
				// that sent two identical requests within one second
				// (botocore does not sign its invocation id) gets both
				// answered, while the replayed signature never is.
				c.Type, c.retryAfter = typeThrottling, true
			}
			return answer{}, c, strings.TrimPrefix(err.Error(), auth.ErrUnauthenticated.Error()+": "), true
		}
		q.pr = pr
		q.caller.Principal, q.caller.Credential, q.caller.Method = pr.Name, pr.ID, pr.Method
	}
	if q.body, e = parseBody(body); e != nil {
		return answer{}, refuse(e.Failure), e.Message, true
	}
	if o.manage && !q.h.manage {
		return answer{}, refuse(provider.FailUnsupported), op + " is not served here (key management is off)", true
	}
	a, err := o.run(q)
	if err != nil {
		var pre *preError
		if errors.As(err, &pre) {
			return answer{}, refuse(pre.e.Failure), pre.e.Message, true
		}
		e := provider.AsError(err)
		return answer{}, refuse(e.Failure), awsMessage(e.Message), false
	}
	return a, nil, "", false
}

// preError is a refusal of the dialect itself, before the operation.
type preError struct{ e *provider.Error }

func (p *preError) Error() string { return p.e.Error() }

func pre(f provider.Failure, format string, args ...any) error {
	return &preError{provider.Errorf(f, format, args...)}
}

// ctx is the request's context with its caller, once the project is known.
func (q *request) ctx() context.Context { return provider.WithCaller(q.r.Context(), q.caller) }

// Header values the handler sets on every answer, shared by all of them
// (a header map's values are replaced, never written into).
var (
	noStore          = []string{"no-store"}
	contentTypeValue = []string{contentType}
)

// isContentType reports whether a Content-Type names this dialect's
// media type (with any parameters).
func isContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == contentType
}

// emptyObject is what an empty request body means: AWS JSON 1.1 servers
// must accept an empty body as an input with no members (Smithy's AWS JSON
// protocols, "Empty body serialization").
var emptyObject = []byte("{}")

func parseBody(body []byte) (*jsonobj.Object, *provider.Error) {
	if len(body) == 0 {
		body = emptyObject
	}
	o, err := jsonobj.Parse(body)
	if err != nil {
		return nil, provider.Wrapf(provider.FailMalformedJSON, err, "%v", err)
	}
	return o, nil
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	hex.Encode(s[9:13], b[4:6])
	hex.Encode(s[14:18], b[6:8])
	hex.Encode(s[19:23], b[8:10])
	hex.Encode(s[24:36], b[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return string(s[:])
}
