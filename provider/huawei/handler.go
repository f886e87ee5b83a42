package huawei

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ecdkp/ecdkp/internal/jsonwrite"
	"github.com/ecdkp/ecdkp/internal/quote"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/internal/httpbody"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// Dialect is this dialect's name in provider.Caller.
const Dialect = "huawei"

// clipLen bounds the caller's text a message echoes.
const clipLen = 40

// MaxBodySize bounds a request body; larger bodies get 413 KMS.0203.
const MaxBodySize = 64 << 10

// RequestIDHeader carries the request id on every response, as Huawei
// Cloud's gateways do; the SDK reads it into ServiceResponseError.RequestId.
const RequestIDHeader = "X-Request-Id"

// Option configures NewHandler.
type Option func(*handler)

// WithAuthenticator requires every request to authenticate (X-Auth-Token,
// AK/SK signing, or both through auth.Any). Unauthenticated requests get 401
// before the body is parsed or any key is touched.
func WithAuthenticator(a auth.Authenticator) Option {
	return func(h *handler) { h.authn = a }
}

// WithLogger logs one line per request: method, route, status, error code,
// duration, request id and principal; never bodies or keys.
func WithLogger(l *slog.Logger) Option {
	return func(h *handler) { h.log = l }
}

type handler struct {
	p     *provider.Provider
	authn auth.Authenticator
	log   *slog.Logger
}

// NewHandler serves the provider over HTTP with Huawei KMS's paths:
//
//	POST /v1.0/{project_id}/kms/create-ec-datakey-pair
//	POST /v1.0/{project_id}/kms/decrypt-datakey-pair
//
// project_id must be 32 hex characters; it reaches the Authorizer in the
// Caller. Every error is a JSON body in the KMS error format with the
// status of the provider's table.
func NewHandler(p *provider.Provider, opts ...Option) http.Handler {
	h := &handler{p: p}
	for _, o := range opts {
		o(h)
	}
	return h
}

const (
	routeCreate  = "create-ec-datakey-pair"
	routeDecrypt = "decrypt-datakey-pair"
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := r.Header.Get(RequestIDHeader)
	if !validRequestID(rid) {
		rid = newRequestID()
	}
	hdr := w.Header()
	hdr[RequestIDHeader] = []string{rid}
	// Answers carry key material and are per caller: no cache keeps them.
	hdr["Cache-Control"] = noStore
	caller := provider.Caller{RequestID: rid, Dialect: Dialect, RemoteAddr: r.RemoteAddr}
	status, code := http.StatusOK, ""
	defer func() {
		if v := recover(); v != nil {
			c := writeError(w, provider.Errorf(provider.FailInternal, "internal error"))
			status, code = c.Status, c.Code
		}
		if h.log != nil && h.log.Enabled(r.Context(), slog.LevelInfo) {
			// The record Logger.LogAttrs would make, without its
			// runtime.Callers: the source of this line is no news.
			rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			rec.AddAttrs(slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", status), slog.String("error_code", code),
				slog.Duration("duration", time.Since(start)), slog.String("request_id", rid),
				slog.String("principal", caller.Principal))
			_ = h.log.Handler().Handle(r.Context(), rec)
		}
	}()
	if e, before := h.serve(w, r, &caller); e != nil {
		if before {
			// Refused before the operation, which audits its own.
			h.p.Audit(r.Context(), &provider.AuditRecord{Action: actionOf(r.URL.Path), Caller: caller, Failure: e.Failure, Message: e.Message})
		}
		c := writeError(w, e)
		status, code = c.Status, c.Code
	}
}

// serve handles one request; a non-nil *provider.Error is written by the
// caller, and before says whether it came before the operation ran.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, caller *provider.Caller) (_ *provider.Error, before bool) {
	project, route, ok := splitPath(r.URL.Path)
	if !ok {
		return provider.Errorf(provider.FailNotFound, "no API at %s %s", r.Method, quote.Clip(r.URL.Path, clipLen)), true
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return provider.Errorf(provider.FailMethodNotAllowed, "%s accepts POST, not %s", route, quote.Clip(r.Method, clipLen)), true
	}
	if !validProjectID(project) {
		return provider.Errorf(provider.FailInvalidURL, "project_id in the URL must be 32 hexadecimal characters"), true
	}
	caller.ProjectID = project
	if e := checkContentType(r); e != nil {
		return e, true
	}
	body, e := httpbody.Read(r, MaxBodySize)
	if e != nil {
		return e, true
	}
	if h.authn != nil {
		pr, err := h.authn.Authenticate(r, body)
		if err != nil {
			f := provider.FailUnauthenticated
			if errors.Is(err, keystore.ErrUnavailable) || errors.Is(err, auth.ErrReplayCacheFull) {
				// A fleet's shared replay record is out of reach, or the
				// key's bound is reached: retry later, the credential is
				// fine.
				f = provider.FailUnavailable
			}
			return provider.Wrapf(f, err, "%s", strings.TrimPrefix(err.Error(), auth.ErrUnauthenticated.Error()+": ")), true
		}
		caller.Principal, caller.Credential, caller.Method = pr.Name, pr.ID, pr.Method
		if !pr.AllowsProject(project) {
			return provider.Errorf(provider.FailForbidden, "principal %s may not act in project %s", quote.Clip(pr.Name, clipLen), project), true
		}
	}
	ctx := provider.WithCaller(r.Context(), *caller)
	var (
		fields []provider.Field
		err    error
	)
	switch route {
	case routeCreate:
		req, e := decodeCreate(body)
		if e != nil {
			return e, true
		}
		var resp *provider.CreateEcDatakeyPairResponse
		if resp, err = h.p.CreateEcDatakeyPair(ctx, req); err == nil {
			f := resp.Fields()
			fields = f[:]
		}
	case routeDecrypt:
		req, e := decodeDecrypt(body)
		if e != nil {
			return e, true
		}
		var resp *provider.DecryptDatakeyPairResponse
		if resp, err = h.p.DecryptDatakeyPair(ctx, req); err == nil {
			f := resp.Fields()
			fields = f[:]
		}
	}
	if err != nil {
		return provider.AsError(err), false
	}
	// The body holds the plaintext private key: WithBody wipes it
	// once written.
	var wire [7]jsonwrite.Field
	jsonwrite.WithBody(wireFields(fields, wire[:0]), func(out []byte) {
		w.Header()["Content-Type"] = jsonUTF8
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	})
	return nil, false
}

// wireFields turns a response's fields into the JSON writer's, in out.
func wireFields(fs []provider.Field, out []jsonwrite.Field) []jsonwrite.Field {
	for _, f := range fs {
		out = append(out, jsonwrite.Field{Name: f.Name, Value: f.Value, OmitEmpty: f.OmitEmpty})
	}
	return out
}

// actionOf names the action of a request path, "" when it has none.
func actionOf(path string) string {
	switch _, route, _ := splitPath(path); route {
	case routeCreate:
		return provider.ActionCreateDataKeyPair
	case routeDecrypt:
		return provider.ActionDecrypt
	}
	return ""
}

// splitPath matches /v1.0/{project_id}/kms/{route}.
func splitPath(p string) (project, route string, ok bool) {
	rest, found := strings.CutPrefix(p, "/v1.0/")
	if !found {
		return "", "", false
	}
	project, rest, found = strings.Cut(rest, "/")
	if !found {
		return "", "", false
	}
	route, found = strings.CutPrefix(rest, "kms/")
	if !found || (route != routeCreate && route != routeDecrypt) {
		return "", "", false
	}
	return project, route, true
}

func validProjectID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// validRequestID accepts a caller's request id of 1..64 safe characters.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	var s [32]byte
	hex.Encode(s[:], b[:])
	return string(s[:])
}

// Header values the handler sets on every answer, shared by all of them
// (a header map's values are replaced, never written into).
var (
	noStore  = []string{"no-store"}
	jsonUTF8 = []string{"application/json;charset=UTF-8"}
)
