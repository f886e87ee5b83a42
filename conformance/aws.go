package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
)

// Defaults of an AWSTarget.
const (
	// DefaultAWSRegion is an AWSTarget's region unless WithRegion says
	// otherwise.
	DefaultAWSRegion = "us-east-1"
	awsContentType   = "application/x-amz-json-1.1"
	awsTargetPrefix  = "TrentService."
)

// AWSTarget is a Target (and RawTarget) speaking AWS KMS's JSON 1.1
// protocol to an endpoint: POST {endpoint}/ with X-Amz-Target:
// TrentService.<Operation>, signed with SigV4 when WithAKSK is given.
//
// CreateEcDatakeyPair is GenerateDataKeyPair, or
// GenerateDataKeyPairWithoutPlaintext when WithPlainText is false and no
// Recipient is given: KeyID is the KeyId (an id or an ARN), KeySpec the
// KeyPairSpec, with EncryptionContext, DryRun and Recipient. The response
// keeps the answer's KeyId (an ARN, normally), PublicKey,
// PrivateKeyCiphertextBlob, PrivateKeyPlaintext and CiphertextForRecipient.
// DecryptDatakeyPair is Decrypt of CipherText with EncryptionContext, KeyID
// and DryRun; its response has the KeyId and the Plaintext, and no key
// spec or public key (AWS answers neither). A request field AWS's API does
// not have (additional_authenticated_data, sequence, wrapping_public_key,
// pin, a decrypt key_spec) is an error, not sent.
//
// Error responses become *Refusal with the HTTP status and the __type
// (without a namespace prefix) and message of the body, or the
// X-Amzn-ErrorType header. It is safe for concurrent use.
type AWSTarget struct {
	base string
	httpConfig
}

// NewAWSTarget returns the Target of an AWS KMS-compatible endpoint, an
// http or https base URL such as "http://127.0.0.1:8080". WithToken does
// not apply: AWS's protocol has no token.
func NewAWSTarget(endpoint string, opts ...HTTPOption) (*AWSTarget, error) {
	base, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	cfg, err := newHTTPConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.token != "" {
		return nil, errors.New("conformance: the AWS dialect has no token: use WithAKSK (SigV4)")
	}
	if cfg.region == "" {
		cfg.region = DefaultAWSRegion
	}
	if strings.ContainsAny(cfg.region, "/: ") || strings.ContainsAny(cfg.account, "/: ") {
		return nil, errors.New("conformance: region and account must not contain '/', ':' or spaces")
	}
	return &AWSTarget{base: base, httpConfig: cfg}, nil
}

// Dialect implements DialectTarget: AWS.
func (a *AWSTarget) Dialect() Dialect { return AWS }

// Region is the target's region.
func (a *AWSTarget) Region() string { return a.region }

// Account is the account WithAccount gave, "" if none.
func (a *AWSTarget) Account() string { return a.account }

// awsRecipient is the Recipient member of GenerateDataKeyPair.
type awsRecipient struct {
	AttestationDocument    string `json:"AttestationDocument,omitempty"`
	KeyEncryptionAlgorithm string `json:"KeyEncryptionAlgorithm,omitempty"`
}

type awsGenerateInput struct {
	KeyID             string            `json:"KeyId"`
	KeyPairSpec       string            `json:"KeyPairSpec"`
	EncryptionContext map[string]string `json:"EncryptionContext,omitempty"`
	DryRun            bool              `json:"DryRun,omitempty"`
	Recipient         *awsRecipient     `json:"Recipient,omitempty"`
}

type awsGenerateOutput struct {
	KeyID                    string `json:"KeyId"`
	KeyPairSpec              string `json:"KeyPairSpec"`
	PublicKey                string `json:"PublicKey"`
	PrivateKeyCiphertextBlob string `json:"PrivateKeyCiphertextBlob"`
	PrivateKeyPlaintext      string `json:"PrivateKeyPlaintext"`
	CiphertextForRecipient   string `json:"CiphertextForRecipient"`
	KeyMaterialID            string `json:"KeyMaterialId"`
}

type awsDecryptInput struct {
	CiphertextBlob    string            `json:"CiphertextBlob"`
	EncryptionContext map[string]string `json:"EncryptionContext,omitempty"`
	KeyID             string            `json:"KeyId,omitempty"`
	DryRun            bool              `json:"DryRun,omitempty"`
}

type awsDecryptOutput struct {
	KeyID               string `json:"KeyId"`
	Plaintext           string `json:"Plaintext"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

// createOperation is the operation CreateEcDatakeyPair sends for req.
func createOperation(req *provider.CreateEcDatakeyPairRequest) string {
	if req.WithPlainText != nil && !*req.WithPlainText && req.Recipient == nil {
		return "GenerateDataKeyPairWithoutPlaintext"
	}
	return "GenerateDataKeyPair"
}

// CreateEcDatakeyPair implements Target.
func (a *AWSTarget) CreateEcDatakeyPair(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
	switch {
	case req.AdditionalAuthenticatedData != "":
		return nil, errors.New("conformance: the AWS dialect has no additional_authenticated_data: use EncryptionContext")
	case req.Sequence != "":
		return nil, errors.New("conformance: the AWS dialect has no sequence")
	case req.WrappingPublicKey != "" || req.WrappingAlgorithm != "":
		return nil, errors.New("conformance: the AWS dialect has no wrapping_public_key: use Recipient")
	case req.Pin != nil || req.PinType != nil:
		return nil, errors.New("conformance: the AWS dialect has no pin")
	}
	in := awsGenerateInput{KeyID: req.KeyID, KeyPairSpec: req.KeySpec, EncryptionContext: req.EncryptionContext, DryRun: req.DryRun}
	if r := req.Recipient; r != nil {
		in.Recipient = &awsRecipient{AttestationDocument: r.AttestationDocument, KeyEncryptionAlgorithm: r.KeyEncryptionAlgorithm}
	}
	var out awsGenerateOutput
	if err := a.Call(ctx, createOperation(req), in, &out); err != nil {
		return nil, err
	}
	return &provider.CreateEcDatakeyPairResponse{
		KeyID: out.KeyID, KeySpec: out.KeyPairSpec, PublicKey: out.PublicKey, PrivateKeyCipherText: out.PrivateKeyCiphertextBlob,
		PrivateKeyPlainText: out.PrivateKeyPlaintext, CiphertextRecipient: out.CiphertextForRecipient,
	}, nil
}

// DecryptDatakeyPair implements Target.
func (a *AWSTarget) DecryptDatakeyPair(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
	switch {
	case req.AdditionalAuthenticatedData != "":
		return nil, errors.New("conformance: the AWS dialect has no additional_authenticated_data: use EncryptionContext")
	case req.Sequence != "":
		return nil, errors.New("conformance: the AWS dialect has no sequence")
	case req.KeySpec != "":
		return nil, errors.New("conformance: AWS's Decrypt takes no key spec")
	}
	var out awsDecryptOutput
	in := awsDecryptInput{CiphertextBlob: req.CipherText, EncryptionContext: req.EncryptionContext, KeyID: req.KeyID, DryRun: req.DryRun}
	if err := a.Call(ctx, "Decrypt", in, &out); err != nil {
		return nil, err
	}
	return &provider.DecryptDatakeyPairResponse{KeyID: out.KeyID, PrivateKeyPlainText: out.Plaintext}, nil
}

// Call sends operation (e.g. "CreateKey") with in as its JSON body and
// decodes a 2xx answer into out (nil: not decoded). An error answer is a
// *Refusal.
func (a *AWSTarget) Call(ctx context.Context, operation string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("conformance: encoding the %s request: %w", operation, err)
	}
	status, header, resp, err := a.exchange(ctx, operation, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return awsRefusal(status, header, resp)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("conformance: %s answered HTTP %d with a body that is not its JSON response: %w", operation, status, err)
	}
	return nil
}

// Post implements RawTarget. route is RouteCreate (GenerateDataKeyPair),
// RouteDecrypt (Decrypt) or the name of any operation.
func (a *AWSTarget) Post(ctx context.Context, route string, body []byte) (int, []byte, error) {
	status, _, out, err := a.exchange(ctx, route, body)
	return status, out, err
}

// operationOf is the X-Amz-Target operation of a route.
func operationOf(route string) (string, error) {
	switch route {
	case RouteCreate:
		return "GenerateDataKeyPair", nil
	case RouteDecrypt:
		return "Decrypt", nil
	}
	if route == "" || strings.ContainsFunc(route, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }) {
		return "", fmt.Errorf("conformance: unknown AWS operation %q", route)
	}
	return route, nil
}

func (a *AWSTarget) exchange(ctx context.Context, route string, body []byte) (int, http.Header, []byte, error) {
	op, err := operationOf(route)
	if err != nil {
		return 0, nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("conformance: %w", err)
	}
	req.Header.Set("Content-Type", awsContentType)
	req.Header.Set("X-Amz-Target", awsTargetPrefix+op)
	if a.ak != "" {
		auth.SetNonce(req.Header)
		if err := auth.SignV4(req, body, a.ak, a.sk, a.region, "kms", a.now()); err != nil {
			return 0, nil, nil, fmt.Errorf("conformance: %w", err)
		}
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("conformance: POST %s: %w", op, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("conformance: reading the %s response: %w", op, err)
	}
	if len(out) > maxResponseSize {
		return 0, nil, nil, fmt.Errorf("conformance: %s response is larger than %d bytes", op, maxResponseSize)
	}
	return resp.StatusCode, resp.Header, out, nil
}

// awsRefusal builds the *Refusal of an AWS error response.
func awsRefusal(status int, header http.Header, body []byte) *Refusal {
	code, msg, ok := parseAWSError(body)
	if !ok && header != nil {
		if t := header.Get("X-Amzn-ErrorType"); t != "" {
			code, _, _ = strings.Cut(t, ":")
			ok = true
		}
	}
	if !ok {
		msg = fmt.Sprintf("HTTP %d without an AWS error body (__type, message)", status)
	}
	return &Refusal{Status: status, Code: code, Message: msg}
}

// parseAWSError reads {"__type":"[namespace#]Type","message":...} (or
// "Message", as some AWS errors spell it).
func parseAWSError(body []byte) (code, msg string, ok bool) {
	var e struct {
		Type    string  `json:"__type"`
		Message *string `json:"message"`
		Capital *string `json:"Message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Type == "" {
		return "", "", false
	}
	if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
		e.Type = e.Type[i+1:]
	}
	switch {
	case e.Message != nil:
		msg = *e.Message
	case e.Capital != nil:
		msg = *e.Capital
	}
	return e.Type, msg, true
}

var (
	_ Target        = (*AWSTarget)(nil)
	_ RawTarget     = (*AWSTarget)(nil)
	_ DialectTarget = (*AWSTarget)(nil)
)
