package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
	"github.com/ecdkp/ecdkp/provider"
)

// requestChecks makes one check per vector of request_negatives.json.
func (e *env) requestChecks() []check {
	cs := make([]check, 0, len(e.reqVecs))
	for _, v := range e.reqVecs {
		name := fmt.Sprintf("request_negatives/%s/%03d_%s", v.Route, v.ID, slug(v.Comment))
		cs = append(cs, check{name, func(ctx context.Context, e *env) error { return e.checkRequest(ctx, v) }})
	}
	return cs
}

// checkRequest sends one request vector, raw when the target can, and
// checks its status and code.
func (e *env) checkRequest(ctx context.Context, v vectors.RequestNegative) error {
	body := strings.ReplaceAll(v.Body, vectors.PlaceholderKeyID, e.cfg.keyID)
	body = strings.ReplaceAll(body, vectors.PlaceholderMissingKeyID, vectors.MissingKeyID)
	if strings.Contains(body, vectors.PlaceholderCipherText) {
		ct, err := e.cipherText(ctx)
		if err != nil {
			return err
		}
		body = strings.ReplaceAll(body, vectors.PlaceholderCipherText, ct)
	}
	want := refusal{v.Status, v.ErrorCode}
	if e.raw != nil {
		status, out, err := e.raw.Post(ctx, v.Route, []byte(body))
		return refusedAs(want, status, out, err, parseErrorBody, "KMS error body (error_code, error_msg)")
	}
	if v.Raw {
		return skip("the body needs raw HTTP and the target is not a RawTarget")
	}
	var err error
	switch v.Route {
	case RouteCreate:
		var req provider.CreateEcDatakeyPairRequest
		if err := strictJSON(body, &req); err != nil {
			return fmt.Errorf("vector %d is not a request a typed client can send (should it be raw?): %v", v.ID, err)
		}
		_, err = e.target.CreateEcDatakeyPair(ctx, &req)
	case RouteDecrypt:
		var req provider.DecryptDatakeyPairRequest
		if err := strictJSON(body, &req); err != nil {
			return fmt.Errorf("vector %d is not a request a typed client can send (should it be raw?): %v", v.ID, err)
		}
		_, err = e.target.DecryptDatakeyPair(ctx, &req)
	default:
		return fmt.Errorf("vector %d has unknown route %q", v.ID, v.Route)
	}
	return e.expectRefused("the request", err, want)
}

// strictJSON decodes exactly one JSON object with known fields only.
func strictJSON(body string, v any) error {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}

// slug turns a vector comment into a check name element.
func slug(s string) string {
	var b bytes.Buffer
	under := false
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.TrimSuffix(b.String(), "_")
	if len(out) > 48 {
		out = strings.TrimSuffix(out[:48], "_")
	}
	return out
}

// awsRequestChecks makes one check per vector of aws_request_negatives.json.
func (e *env) awsRequestChecks() []check {
	cs := make([]check, 0, len(e.awsVecs))
	for _, v := range e.awsVecs {
		name := fmt.Sprintf("aws_request_negatives/%s/%03d_%s", v.Operation, v.ID, slug(v.Comment))
		cs = append(cs, check{name, func(ctx context.Context, e *env) error { return e.checkAWSRequest(ctx, v) }})
	}
	return cs
}

// checkAWSRequest sends one AWS request vector as is and checks its status
// and __type.
func (e *env) checkAWSRequest(ctx context.Context, v vectors.AWSRequestNegative) error {
	if e.raw == nil {
		return skip("the AWS request vectors need raw HTTP and the target is not a RawTarget")
	}
	body := strings.ReplaceAll(v.Body, vectors.PlaceholderKeyID, e.cfg.keyID)
	body = strings.ReplaceAll(body, vectors.PlaceholderMissingKeyID, vectors.MissingKeyID)
	if strings.Contains(body, vectors.PlaceholderCipherText) {
		ct, err := e.cipherText(ctx)
		if err != nil {
			return err
		}
		body = strings.ReplaceAll(body, vectors.PlaceholderCipherText, ct)
	}
	want := refusal{v.Status, v.ErrorType}
	status, out, err := e.raw.Post(ctx, v.Operation, []byte(body))
	return refusedAs(want, status, out, err, parseAWSError, "AWS error body (__type)")
}

// refusedAs checks that a raw request's answer (status and body, or the
// error sending it) is the refusal want, the body read by parse; body
// names the error body parse looks for.
func refusedAs(want refusal, status int, out []byte, err error, parse func([]byte) (code, msg string, ok bool), body string) error {
	if err != nil {
		return fmt.Errorf("sending the request failed: %w", err)
	}
	if status >= 200 && status <= 299 {
		return fmt.Errorf("the request was accepted (HTTP %d); want it refused with %s", status, want)
	}
	code, msg, ok := parse(out)
	if !ok {
		return fmt.Errorf("refused with HTTP %d but no %s; want %s", status, body, want)
	}
	if status != want.status || code != want.code {
		return fmt.Errorf("the request was refused with HTTP %d %s (%q); want %s", status, code, msg, want)
	}
	return nil
}
