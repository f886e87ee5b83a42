package wrap

import (
	"slices"
	"strconv"

	"github.com/fxamacker/cbor/v2"
)

// Sizes from AWS's attestation document specification (the Nitro Enclaves
// attestation process, aws-nitro-enclaves-nsm-api docs).
const (
	nitroMaxPayload    = 16384
	nitroMaxCert       = 1024
	nitroMaxPublicKey  = 1024
	nitroMaxUserData   = 512
	nitroMaxPCRs       = 32
	nitroSHA384PCRSize = 48
	nitroDigestSHA384  = "SHA384"
)

// nitroFields are the fields an attestation document may hold; any other is
// refused.
var nitroFields = []string{"module_id", "timestamp", "digest", "pcrs", "certificate", "cabundle", "public_key", "user_data", "nonce"}

// nitroPayload is an attestation document payload that passed the syntactic
// checks.
type nitroPayload struct {
	moduleID                   string
	timestamp                  uint64
	digest                     string
	pcrs                       map[int][]byte
	certificate                []byte
	cabundle                   [][]byte
	publicKey, userData, nonce []byte
}

// nitroDecMode decodes payloads: no duplicate keys, no tags, bounded nesting
// and sizes, valid UTF-8. Indefinite lengths are allowed because the NSM
// writes the payload map with one.
var nitroDecMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthAllowed,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  4,
		MaxArrayElements: 16,
		MaxMapPairs:      64,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err) // fixed options: cannot fail
	}
	return dm
}()

// CBOR major types.
const (
	cborUint  = 0
	cborBytes = 2
	cborText  = 3
	cborArray = 4
	cborMap   = 5
)

// cborMajor returns the major type of the item starting raw (non-empty).
func cborMajor(raw []byte) byte { return raw[0] >> 5 }

// cborIsNull reports whether raw is null or undefined.
func cborIsNull(raw []byte) bool { return len(raw) == 1 && (raw[0] == 0xf6 || raw[0] == 0xf7) }

// nitroParsePayload decodes and checks an attestation document payload.
func nitroParsePayload(b []byte) (*nitroPayload, error) {
	if len(b) > nitroMaxPayload {
		return nil, nitroInvalid("payload is %d bytes, more than the %d allowed", len(b), nitroMaxPayload)
	}
	if cborMajor(b) != cborMap {
		return nil, nitroInvalid("payload is not a CBOR map")
	}
	var fields map[string]cbor.RawMessage
	if err := nitroDecMode.Unmarshal(b, &fields); err != nil {
		return nil, nitroInvalid("payload is not a CBOR map with text keys: %v", err)
	}
	for name := range fields {
		if !slices.Contains(nitroFields, name) {
			return nil, nitroInvalid("payload has unknown field %s", rcpQuote(name))
		}
	}
	var (
		p   nitroPayload
		raw cbor.RawMessage
		err error
	)
	if raw, err = nitroField(fields, "module_id", true); err != nil {
		return nil, err
	}
	if p.moduleID, err = nitroText(raw, "module_id"); err != nil {
		return nil, err
	}
	if p.moduleID == "" {
		return nil, nitroInvalid("module_id is empty")
	}
	if raw, err = nitroField(fields, "timestamp", true); err != nil {
		return nil, err
	}
	if cborMajor(raw) != cborUint {
		return nil, nitroInvalid("timestamp is not an unsigned integer")
	}
	if err := nitroDecMode.Unmarshal(raw, &p.timestamp); err != nil {
		return nil, nitroInvalid("timestamp: %v", err)
	}
	if p.timestamp == 0 {
		return nil, nitroInvalid("timestamp is zero")
	}
	if raw, err = nitroField(fields, "digest", true); err != nil {
		return nil, err
	}
	if p.digest, err = nitroText(raw, "digest"); err != nil {
		return nil, err
	}
	if p.digest != nitroDigestSHA384 {
		return nil, nitroInvalid("digest is %s, want %q", rcpQuote(p.digest), nitroDigestSHA384)
	}
	if raw, err = nitroField(fields, "pcrs", true); err != nil {
		return nil, err
	}
	if p.pcrs, err = nitroPCRs(raw); err != nil {
		return nil, err
	}
	if raw, err = nitroField(fields, "certificate", true); err != nil {
		return nil, err
	}
	if p.certificate, err = nitroBytes(raw, "certificate", 1, nitroMaxCert); err != nil {
		return nil, err
	}
	if raw, err = nitroField(fields, "cabundle", true); err != nil {
		return nil, err
	}
	if p.cabundle, err = nitroCABundle(raw); err != nil {
		return nil, err
	}
	if raw, err = nitroField(fields, "public_key", true); err != nil {
		return nil, err
	}
	if p.publicKey, err = nitroBytes(raw, "public_key", 1, nitroMaxPublicKey); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"user_data", &p.userData}, {"nonce", &p.nonce}} {
		if raw, err = nitroField(fields, f.name, false); err != nil {
			return nil, err
		}
		if raw == nil {
			continue
		}
		if *f.dst, err = nitroBytes(raw, f.name, 0, nitroMaxUserData); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// nitroField returns a field's encoding, or nil for an optional field that is
// absent or null. A required field that is absent or null is an error.
func nitroField(fields map[string]cbor.RawMessage, name string, required bool) (cbor.RawMessage, error) {
	raw, present := fields[name]
	switch {
	case present && !cborIsNull(raw):
		return raw, nil
	case !required:
		return nil, nil
	case present:
		return nil, nitroInvalid("required field %s is null", name)
	case name == "public_key":
		return nil, nitroInvalid("public_key is absent; a recipient needs the key to encrypt to")
	default:
		return nil, nitroInvalid("required field %s is absent", name)
	}
}

// nitroText decodes a text string field.
func nitroText(raw cbor.RawMessage, name string) (string, error) {
	var s string
	if cborMajor(raw) != cborText {
		return "", nitroInvalid("%s is not a text string", name)
	}
	if err := nitroDecMode.Unmarshal(raw, &s); err != nil {
		return "", nitroInvalid("%s: %v", name, err)
	}
	return s, nil
}

// nitroBytes decodes a byte string field of min..max bytes.
func nitroBytes(raw cbor.RawMessage, name string, min, max int) ([]byte, error) {
	if cborMajor(raw) != cborBytes {
		return nil, nitroInvalid("%s is not a byte string", name)
	}
	var b []byte
	if err := nitroDecMode.Unmarshal(raw, &b); err != nil {
		return nil, nitroInvalid("%s: %v", name, err)
	}
	if len(b) < min || len(b) > max {
		return nil, nitroInvalid("%s is %d bytes, want %d to %d", name, len(b), min, max)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// nitroPCRs decodes the pcrs map: 1..32 entries, index 0..31, 48-byte values.
func nitroPCRs(raw cbor.RawMessage) (map[int][]byte, error) {
	if cborMajor(raw) != cborMap {
		return nil, nitroInvalid("pcrs is not a map")
	}
	var m map[uint64]cbor.RawMessage
	if err := nitroDecMode.Unmarshal(raw, &m); err != nil {
		return nil, nitroInvalid("pcrs is not a map from unsigned integers: %v", err)
	}
	if len(m) == 0 || len(m) > nitroMaxPCRs {
		return nil, nitroInvalid("pcrs holds %d entries, want 1 to %d", len(m), nitroMaxPCRs)
	}
	pcrs := make(map[int][]byte, len(m))
	for index, v := range m {
		if index >= nitroMaxPCRs {
			return nil, nitroInvalid("pcrs index %d is not in 0..%d", index, nitroMaxPCRs-1)
		}
		name := "pcrs[" + strconv.Itoa(int(index)) + "]"
		b, err := nitroBytes(v, name, 0, nitroMaxCert)
		if err != nil {
			return nil, err
		}
		if len(b) != nitroSHA384PCRSize {
			return nil, nitroInvalid("%s is %d bytes, want %d for digest SHA384", name, len(b), nitroSHA384PCRSize)
		}
		pcrs[int(index)] = b
	}
	return pcrs, nil
}

// nitroCABundle decodes the cabundle array.
func nitroCABundle(raw cbor.RawMessage) ([][]byte, error) {
	if cborMajor(raw) != cborArray {
		return nil, nitroInvalid("cabundle is not an array")
	}
	var items []cbor.RawMessage
	if err := nitroDecMode.Unmarshal(raw, &items); err != nil {
		return nil, nitroInvalid("cabundle: %v", err)
	}
	if len(items) == 0 || len(items) > MaxAttestationCABundle {
		return nil, nitroInvalid("cabundle holds %d certificates, want 1 to %d", len(items), MaxAttestationCABundle)
	}
	bundle := make([][]byte, len(items))
	for i, item := range items {
		b, err := nitroBytes(item, "cabundle["+strconv.Itoa(i)+"]", 1, nitroMaxCert)
		if err != nil {
			return nil, err
		}
		bundle[i] = b
	}
	return bundle, nil
}
