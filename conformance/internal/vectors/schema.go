package vectors

import (
	"encoding/hex"
	"fmt"

	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/wrap"
)

// Schema is the value of every file's "schema" field. A change to the shape
// of any file bumps it.
const Schema = "ecdkp-conformance/v1"

// GeneratorCommand is recorded in every file's "generator" field.
const GeneratorCommand = "go generate ./conformance (go run ./cmd/genvectors)"

// File names of the vector files, under conformance/testdata.
const (
	KeysFile             = "keys.json"
	EnvelopesFile        = "envelopes.json"
	DecodeNegativesFile  = "decode_negatives.json"
	RequestNegativesFile = "request_negatives.json"
	// EnvelopesV2File and EnvelopeV2NegativesFile are the master-key
	// envelope v2 vectors and the envelopes v2 that must be refused.
	EnvelopesV2File         = "envelopes_v2.json"
	EnvelopeV2NegativesFile = "envelope_v2_negatives.json"
)

// File is the common shape of every vector file: a header and the vectors.
type File[V any] struct {
	// Schema is always Schema.
	Schema string `json:"schema"`
	// Name is the file's name without ".json".
	Name string `json:"name"`
	// Description says what the vectors pin and how to run them.
	Description string `json:"description"`
	// Generator is the command that wrote the file.
	Generator string `json:"generator"`
	// Count is len(Vectors), so a truncated file is noticed.
	Count int `json:"count"`
	// Vectors are numbered from 1 by their ID, in file order.
	Vectors []V `json:"vectors"`
}

// Hex is a byte string written as lower-case hex ("" for none).
type Hex []byte

// MarshalText implements encoding.TextMarshaler.
func (h Hex) MarshalText() ([]byte, error) {
	out := make([]byte, hex.EncodedLen(len(h)))
	hex.Encode(out, h)
	return out, nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hex) UnmarshalText(text []byte) error {
	b := make([]byte, hex.DecodedLen(len(text)))
	if _, err := hex.Decode(b, text); err != nil {
		return fmt.Errorf("vectors: bad hex: %w", err)
	}
	*h = b
	return nil
}

// Key is one vector of keys.json: a fixed private scalar and every encoding
// of its key pair.
type Key struct {
	ID      int    `json:"id"`
	Comment string `json:"comment"`
	// KeySpec is the data key pair spec, e.g. "ECC_NIST_P256".
	KeySpec string `json:"key_spec"`
	// Scalar is the big-endian private scalar, ScalarSize bytes.
	Scalar Hex `json:"scalar"`
	// PublicPoint is the uncompressed SEC 1 point 04||X||Y.
	PublicPoint Hex `json:"public_point"`
	// SPKI is the DER SubjectPublicKeyInfo (id-ecPublicKey, named curve).
	SPKI Hex `json:"spki"`
	// PKCS8 is the DER PKCS#8 PrivateKeyInfo, ECPrivateKey with [1] and
	// without [0].
	PKCS8 Hex `json:"pkcs8"`
	// SEC1 is the DER SEC 1 ECPrivateKey with [0] and [1].
	SEC1 Hex `json:"sec1"`
}

// Envelope is one vector of envelopes.json: a master-key envelope v1 sealed
// with a fixed nonce.
type Envelope struct {
	ID      int    `json:"id"`
	Comment string `json:"comment"`
	// Algorithm is the master key spec: "AES_256" or "SM4".
	Algorithm string `json:"algorithm"`
	// MasterKey is the master key material (32 or 16 bytes).
	MasterKey Hex `json:"master_key"`
	// KeyID is the master key id, a UUID in 8-4-4-4-12 lower-case hex.
	KeyID string `json:"key_id"`
	// KeyVersion is the master key version written in the header.
	KeyVersion uint32 `json:"key_version"`
	// Nonce is the 12-byte GCM nonce.
	Nonce Hex `json:"nonce"`
	// KeySpec is the data key pair spec bound into the additional data.
	KeySpec string `json:"key_spec"`
	// AAD is the caller's additional_authenticated_data, as bytes.
	AAD Hex `json:"aad"`
	// PlaintextKey is the id in keys.json whose PKCS#8 is the plaintext.
	PlaintextKey int `json:"plaintext_key"`
	// Plaintext is that PKCS#8.
	Plaintext Hex `json:"plaintext"`
	// Envelope is the expected envelope, byte for byte.
	Envelope Hex `json:"envelope"`
}

// EnvelopeV2 is one vector of envelopes_v2.json: a master-key envelope v2
// sealed with a fixed nonce, bound to a Huawei AAD or an AWS encryption
// context.
type EnvelopeV2 struct {
	ID      int    `json:"id"`
	Comment string `json:"comment"`
	// Algorithm is the master key spec: "AES_256" (XAES-256-GCM) or "SM4"
	// (XSM4-GCM).
	Algorithm string `json:"algorithm"`
	// MasterKey is the master key material (32 or 16 bytes).
	MasterKey Hex `json:"master_key"`
	// KeyID is the master key id, a UUID in 8-4-4-4-12 lower-case hex.
	KeyID string `json:"key_id"`
	// KeyVersion is the master key version written in the header.
	KeyVersion uint32 `json:"key_version"`
	// Nonce is the 24-byte nonce.
	Nonce Hex `json:"nonce"`
	// KeySpec is the data key pair spec the header names.
	KeySpec string `json:"key_spec"`
	// Dialect is where the context comes from: "huawei" (AAD) or "aws"
	// (EncryptionContext).
	Dialect string `json:"dialect"`
	// AAD, for dialect huawei, is additional_authenticated_data as bytes.
	AAD Hex `json:"aad,omitempty"`
	// EncryptionContext, for dialect aws, is the encryption context.
	EncryptionContext map[string]string `json:"encryption_context,omitempty"`
	// Context is the context binding ctx of AAD or EncryptionContext, the
	// bytes the GCM additional data ends with ("" for no context).
	Context Hex `json:"context"`
	// DerivedKey is the key Kx derived from the master key and the nonce
	// (32 bytes for AES_256, 16 for SM4), for implementations to check
	// their derivation (in an HSM, say) on its own.
	DerivedKey Hex `json:"derived_key"`
	// PlaintextKey is the id in keys.json whose PKCS#8 is the plaintext.
	PlaintextKey int `json:"plaintext_key"`
	// Plaintext is that PKCS#8.
	Plaintext Hex `json:"plaintext"`
	// Envelope is the expected envelope, byte for byte.
	Envelope Hex `json:"envelope"`
}

// EnvelopeV2Negative is one vector of envelope_v2_negatives.json: an input
// that an opener must refuse with the error class Error.
type EnvelopeV2Negative struct {
	ID      int    `json:"id"`
	Comment string `json:"comment"`
	// Envelope is the id in envelopes_v2.json whose master key (algorithm,
	// material, key_id, version) opens Input.
	Envelope int `json:"envelope"`
	// MasterKey, when set, replaces that master key's material.
	MasterKey Hex `json:"master_key,omitempty"`
	// KeySpec, when set, is the key spec the opener expects; when not, it
	// takes the header's.
	KeySpec string `json:"key_spec,omitempty"`
	// Context is the context binding to open Input with.
	Context Hex `json:"context"`
	// Input is the bytes to open.
	Input Hex `json:"input"`
	// Error is the expected error class, one of the Class* constants.
	Error string `json:"error"`
}

// DecodeNegative is one vector of decode_negatives.json: an input that a
// parser must refuse with the error class Error.
type DecodeNegative struct {
	ID      int    `json:"id"`
	Comment string `json:"comment"`
	// Format is the parser: "spki", "pkcs8", "sec1" or "envelope".
	Format string `json:"format"`
	// KeySpec is the curve the input was derived from ("" when none), or,
	// for envelopes, the key_spec to open it with.
	KeySpec string `json:"key_spec,omitempty"`
	// Input is the bytes to parse.
	Input Hex `json:"input"`
	// Envelope, for format "envelope", is the id in envelopes.json whose
	// master key (algorithm, material, key_id, version) opens Input.
	Envelope int `json:"envelope,omitempty"`
	// MasterKey, when set, replaces that master key's material.
	MasterKey Hex `json:"master_key,omitempty"`
	// AAD, for format "envelope", is the AAD to open Input with.
	AAD Hex `json:"aad,omitempty"`
	// Error is the expected error class, one of the Class* constants.
	Error string `json:"error"`
}

// RequestNegative is one vector of request_negatives.json: a request the
// operation must refuse with an HTTP status and KMS error code.
type RequestNegative struct {
	ID      int    `json:"id"`
	Comment string `json:"comment"`
	// Route is "create" (create-ec-datakey-pair) or "decrypt"
	// (decrypt-datakey-pair).
	Route string `json:"route"`
	// Body is the JSON request body, after placeholder substitution (see
	// the Placeholder* constants). It need not be valid JSON.
	Body string `json:"body"`
	// Raw marks bodies that only raw HTTP can send: not JSON, not an
	// object, unknown fields, wrong types, trailing data. In-process
	// targets skip them.
	Raw bool `json:"raw,omitempty"`
	// Status is the expected HTTP status.
	Status int `json:"status"`
	// ErrorCode is the expected KMS error code, e.g. "KMS.0202".
	ErrorCode string `json:"error_code"`
}

// Placeholders of RequestNegative.Body.
const (
	// PlaceholderKeyID is the target's enabled master key.
	PlaceholderKeyID = "{{key_id}}"
	// PlaceholderMissingKeyID is MissingKeyID, a well-formed key id that
	// must not exist in the target.
	PlaceholderMissingKeyID = "{{missing_key_id}}"
	// PlaceholderCipherText is a private_key_cipher_text the harness has
	// just created under {{key_id}} for an ECC_NIST_P256 key pair with
	// additional_authenticated_data CipherTextAAD.
	PlaceholderCipherText = "{{cipher_text}}"
)

// MissingKeyID is the value of {{missing_key_id}}; the request vectors
// also hold an envelope naming it.
const MissingKeyID = "3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839"

// CipherTextAAD is the AAD of {{cipher_text}}.
const CipherTextAAD = "ecdkp-conformance"

// Error classes of DecodeNegative.Error, each naming the sentinel error the
// parser's error must wrap (errors.Is).
const (
	ClassMalformed            = "malformed"             // encoding.ErrMalformed
	ClassUnknownCurve         = "unknown_curve"         // encoding.ErrUnknownCurve
	ClassExplicitParameters   = "explicit_parameters"   // encoding.ErrExplicitParameters
	ClassUnsupportedAlgorithm = "unsupported_algorithm" // encoding.ErrUnsupportedAlgorithm
	ClassKeyMismatch          = "key_mismatch"          // encoding.ErrKeyMismatch
	ClassInvalidKey           = "invalid_key"           // encoding.ErrInvalidKey
	ClassMalformedEnvelope    = "malformed_envelope"    // wrap.ErrMalformedEnvelope
	ClassDecrypt              = "decrypt"               // wrap.ErrDecrypt
	ClassKeyUnavailable       = "key_unavailable"       // wrap.ErrKeyUnavailable
)

// ErrorClasses maps each class to its sentinel.
var ErrorClasses = map[string]error{
	ClassMalformed:            encoding.ErrMalformed,
	ClassUnknownCurve:         encoding.ErrUnknownCurve,
	ClassExplicitParameters:   encoding.ErrExplicitParameters,
	ClassUnsupportedAlgorithm: encoding.ErrUnsupportedAlgorithm,
	ClassKeyMismatch:          encoding.ErrKeyMismatch,
	ClassInvalidKey:           encoding.ErrInvalidKey,
	ClassMalformedEnvelope:    wrap.ErrMalformedEnvelope,
	ClassDecrypt:              wrap.ErrDecrypt,
	ClassKeyUnavailable:       wrap.ErrKeyUnavailable,
}
