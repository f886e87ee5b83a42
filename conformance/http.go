package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
)

// maxResponseSize bounds a response body the HTTPTarget reads.
const maxResponseSize = 1 << 20

// HTTPTarget is a Target (and RawTarget) speaking Huawei KMS's JSON API to
// an endpoint: POST {endpoint}/v1.0/{project_id}/kms/create-ec-datakey-pair
// and .../decrypt-datakey-pair. Error responses become *Refusal with
// the response's HTTP status and the error_code and error_msg of its body,
// nested under "error" as Huawei KMS writes them, or at the top level.
// It is safe for concurrent use.
type HTTPTarget struct {
	base      string // endpoint without a trailing slash
	projectID string
	httpConfig
}

// httpConfig is what the options of both HTTP targets set.
type httpConfig struct {
	client          *http.Client
	token           string
	ak, sk          string
	region, account string
	now             func() time.Time
}

// HTTPOption configures NewHTTPTarget and NewAWSTarget.
type HTTPOption func(*httpConfig)

// WithToken sends token in the X-Auth-Token header of every request (the
// Huawei dialect only: AWS's has no token).
func WithToken(token string) HTTPOption {
	return func(h *httpConfig) { h.token = token }
}

// WithAKSK signs every request with the access key and secret key: as
// Huawei Cloud's SDK does (SDK-HMAC-SHA256, see auth.Sign) for an
// HTTPTarget, with AWS Signature Version 4 (auth.SignV4, service kms) for
// an AWSTarget. Each request also carries a fresh auth.NonceHeader, so
// that identical requests signed within one second are not replays.
func WithAKSK(ak, sk string) HTTPOption {
	return func(h *httpConfig) { h.ak, h.sk = ak, sk }
}

// WithHTTPClient sends requests with c instead of a client with a 30
// second timeout.
func WithHTTPClient(c *http.Client) HTTPOption {
	return func(h *httpConfig) { h.client = c }
}

// WithRegion is the region of an AWSTarget: the SigV4 scope and the
// region of its key ARNs (default us-east-1).
func WithRegion(region string) HTTPOption {
	return func(h *httpConfig) { h.region = region }
}

// WithAccount is the account of an AWSTarget's keys, so the suite knows
// their ARNs (arn:aws:kms:REGION:ACCOUNT:key/ID) beforehand; without it
// the suite takes the ARN the endpoint answers.
func WithAccount(account string) HTTPOption {
	return func(h *httpConfig) { h.account = account }
}

// parseEndpoint checks an http or https base URL and returns it without a
// trailing slash.
func parseEndpoint(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("conformance: endpoint is not an http:// or https:// URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("conformance: endpoint %q must be an http:// or https:// URL with a host", endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("conformance: endpoint %q must not have a query, fragment or user info", endpoint)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func newHTTPConfig(opts []HTTPOption) (httpConfig, error) {
	c := httpConfig{now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	if (c.ak == "") != (c.sk == "") {
		return c, errors.New("conformance: WithAKSK needs both the access key and the secret key")
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 30 * time.Second}
	}
	return c, nil
}

// NewHTTPTarget returns the Target of a KMS endpoint, an http or https base
// URL such as "http://127.0.0.1:8080". projectID is the {project_id} path
// segment (ecdkp's handler wants 32 hexadecimal characters).
func NewHTTPTarget(endpoint, projectID string, opts ...HTTPOption) (*HTTPTarget, error) {
	base, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	if projectID == "" || strings.ContainsFunc(projectID, func(r rune) bool {
		return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '-' || r == '_')
	}) {
		return nil, fmt.Errorf("conformance: project id must be letters, digits, '-' or '_'")
	}
	cfg, err := newHTTPConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.region != "" || cfg.account != "" {
		return nil, errors.New("conformance: WithRegion and WithAccount are options of the AWS dialect (NewAWSTarget)")
	}
	return &HTTPTarget{base: base, projectID: projectID, httpConfig: cfg}, nil
}

// Dialect implements DialectTarget: Huawei.
func (h *HTTPTarget) Dialect() Dialect { return Huawei }

// CreateEcDatakeyPair implements Target.
func (h *HTTPTarget) CreateEcDatakeyPair(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
	var resp provider.CreateEcDatakeyPairResponse
	if err := h.call(ctx, RouteCreate, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// DecryptDatakeyPair implements Target.
func (h *HTTPTarget) DecryptDatakeyPair(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
	var resp provider.DecryptDatakeyPairResponse
	if err := h.call(ctx, RouteDecrypt, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

func (h *HTTPTarget) call(ctx context.Context, route string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("conformance: encoding the %s request: %w", route, err)
	}
	status, out, err := h.Post(ctx, route, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return errorFromBody(status, out)
	}
	if err := json.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("conformance: %s answered HTTP %d with a body that is not its JSON response: %w", route, status, err)
	}
	return nil
}

// Post implements RawTarget.
func (h *HTTPTarget) Post(ctx context.Context, route string, body []byte) (int, []byte, error) {
	var path string
	switch route {
	case RouteCreate, "create-ec-datakey-pair":
		path = "create-ec-datakey-pair"
	case RouteDecrypt, "decrypt-datakey-pair":
		path = "decrypt-datakey-pair"
	default:
		return 0, nil, fmt.Errorf("conformance: unknown route %q", route)
	}
	u := h.base + "/v1.0/" + h.projectID + "/kms/" + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("conformance: %w", err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	if h.token != "" {
		req.Header.Set(auth.TokenHeader, h.token)
	}
	if h.ak != "" {
		auth.SetNonce(req.Header)
		if err := auth.Sign(req, body, h.ak, h.sk, h.now()); err != nil {
			return 0, nil, fmt.Errorf("conformance: %w", err)
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("conformance: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return 0, nil, fmt.Errorf("conformance: reading the %s response: %w", path, err)
	}
	if len(out) > maxResponseSize {
		return 0, nil, fmt.Errorf("conformance: %s response is larger than %d bytes", path, maxResponseSize)
	}
	return resp.StatusCode, out, nil
}

// errorFromBody builds the *Refusal of an error response: its status, and
// the error_code and error_msg of the body, nested under "error" or at the
// top level. A body without them gives an empty Code.
func errorFromBody(status int, body []byte) *Refusal {
	code, msg, ok := parseErrorBody(body)
	if !ok {
		msg = fmt.Sprintf("HTTP %d without a KMS error body (error_code, error_msg)", status)
	}
	return &Refusal{Status: status, Code: code, Message: msg}
}

// parseErrorBody reads {"error":{"error_code","error_msg"}} or
// {"error_code","error_msg"}.
func parseErrorBody(body []byte) (code, msg string, ok bool) {
	type detail struct {
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return "", "", false
	}
	if nested, found := top["error"]; found {
		var d detail
		if json.Unmarshal(nested, &d) == nil && d.ErrorCode != "" {
			return d.ErrorCode, d.ErrorMsg, true
		}
	}
	var d detail
	if json.Unmarshal(body, &d) == nil && d.ErrorCode != "" {
		return d.ErrorCode, d.ErrorMsg, true
	}
	return "", "", false
}

var (
	_ Target        = (*HTTPTarget)(nil)
	_ RawTarget     = (*HTTPTarget)(nil)
	_ DialectTarget = (*HTTPTarget)(nil)
)
