package conformance

import (
	"context"

	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
	"github.com/ecdkp/ecdkp/provider"
)

// Target is a KMS implementation under test: create-ec-datakey-pair and
// decrypt-datakey-pair over any transport. It rejects a request with a
// *Refusal (the HTTP status and KMS error code), or a *provider.Error when
// it runs in process (AsRefusal reads both); any other error is a transport
// failure. *provider.Provider and
// *HTTPTarget are Targets.
type Target interface {
	CreateEcDatakeyPair(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error)
	DecryptDatakeyPair(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error)
}

// RawTarget is implemented by Targets that can send a request body as is,
// so the suite can check bodies a typed client cannot produce (malformed
// JSON, unknown fields, wrong types). Post sends body to route (RouteCreate
// or RouteDecrypt) and returns the HTTP status and response body; err is
// only for a failed exchange, not an error status.
type RawTarget interface {
	Post(ctx context.Context, route string, body []byte) (status int, respBody []byte, err error)
}

// Routes of RawTarget.Post and of the request vectors.
const (
	RouteCreate  = vectors.RouteCreate  // POST /v1.0/{project_id}/kms/create-ec-datakey-pair
	RouteDecrypt = vectors.RouteDecrypt // POST /v1.0/{project_id}/kms/decrypt-datakey-pair
)

var _ Target = (*provider.Provider)(nil)
