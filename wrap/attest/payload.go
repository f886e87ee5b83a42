package attest

import (
	"slices"
	"strconv"

	"github.com/fxamacker/cbor/v2"

	"github.com/ecdkp/ecdkp/internal/quote"
)

// Sizes from AWS's attestation document specification (the Nitro Enclaves
// attestation process, aws-nitro-enclaves-nsm-api docs).
const (
	maxPayload    = 16384
	maxCert       = 1024
	maxPublicKey  = 1024
	maxUserData   = 512
	maxPCRs       = 32
	sha384PCRSize = 48
	digestSHA384  = "SHA384"
)

// maxQuoted is how much of a field's text an error message quotes.
const maxQuoted = 64

// payloadFields are the fields an attestation document may hold; any other is
// refused.
var payloadFields = []string{"module_id", "timestamp", "digest", "pcrs", "certificate", "cabundle", "public_key", "user_data", "nonce"}

// payload is an attestation document payload that passed the syntactic
// checks.
type payload struct {
	moduleID                   string
	timestamp                  uint64
	digest                     string
	pcrs                       map[int][]byte
	certificate                []byte
	cabundle                   [][]byte
	publicKey, userData, nonce []byte
}

// decMode decodes payloads: no duplicate keys, no tags, bounded nesting
// and sizes, valid UTF-8. Indefinite lengths are allowed because the NSM
// writes the payload map with one.
var decMode = func() cbor.DecMode {
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

// parsePayload decodes and checks an attestation document payload.
func parsePayload(b []byte) (*payload, error) {
	if len(b) > maxPayload {
		return nil, invalid("payload is %d bytes, more than the %d allowed", len(b), maxPayload)
	}
	if cborMajor(b) != cborMap {
		return nil, invalid("payload is not a CBOR map")
	}
	var fields map[string]cbor.RawMessage
	if err := decMode.Unmarshal(b, &fields); err != nil {
		return nil, invalid("payload is not a CBOR map with text keys: %v", err)
	}
	for name := range fields {
		if !slices.Contains(payloadFields, name) {
			return nil, invalid("payload has unknown field %s", quote.Quote(name, maxQuoted))
		}
	}
	var (
		p   payload
		raw cbor.RawMessage
		err error
	)
	if raw, err = readField(fields, "module_id", true); err != nil {
		return nil, err
	}
	if p.moduleID, err = readText(raw, "module_id"); err != nil {
		return nil, err
	}
	if p.moduleID == "" {
		return nil, invalid("module_id is empty")
	}
	if raw, err = readField(fields, "timestamp", true); err != nil {
		return nil, err
	}
	if cborMajor(raw) != cborUint {
		return nil, invalid("timestamp is not an unsigned integer")
	}
	if err := decMode.Unmarshal(raw, &p.timestamp); err != nil {
		return nil, invalid("timestamp: %v", err)
	}
	if p.timestamp == 0 {
		return nil, invalid("timestamp is zero")
	}
	if raw, err = readField(fields, "digest", true); err != nil {
		return nil, err
	}
	if p.digest, err = readText(raw, "digest"); err != nil {
		return nil, err
	}
	if p.digest != digestSHA384 {
		return nil, invalid("digest is %s, want %q", quote.Quote(p.digest, maxQuoted), digestSHA384)
	}
	if raw, err = readField(fields, "pcrs", true); err != nil {
		return nil, err
	}
	if p.pcrs, err = readPCRs(raw); err != nil {
		return nil, err
	}
	if raw, err = readField(fields, "certificate", true); err != nil {
		return nil, err
	}
	if p.certificate, err = readBytes(raw, "certificate", 1, maxCert); err != nil {
		return nil, err
	}
	if raw, err = readField(fields, "cabundle", true); err != nil {
		return nil, err
	}
	if p.cabundle, err = readCABundle(raw); err != nil {
		return nil, err
	}
	if raw, err = readField(fields, "public_key", true); err != nil {
		return nil, err
	}
	if p.publicKey, err = readBytes(raw, "public_key", 1, maxPublicKey); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"user_data", &p.userData}, {"nonce", &p.nonce}} {
		if raw, err = readField(fields, f.name, false); err != nil {
			return nil, err
		}
		if raw == nil {
			continue
		}
		if *f.dst, err = readBytes(raw, f.name, 0, maxUserData); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// readField returns a field's encoding, or nil for an optional field that is
// absent or null. A required field that is absent or null is an error.
func readField(fields map[string]cbor.RawMessage, name string, required bool) (cbor.RawMessage, error) {
	raw, present := fields[name]
	switch {
	case present && !cborIsNull(raw):
		return raw, nil
	case !required:
		return nil, nil
	case present:
		return nil, invalid("required field %s is null", name)
	case name == "public_key":
		return nil, invalid("public_key is absent; a recipient needs the key to encrypt to")
	default:
		return nil, invalid("required field %s is absent", name)
	}
}

// readText decodes a text string field.
func readText(raw cbor.RawMessage, name string) (string, error) {
	var s string
	if cborMajor(raw) != cborText {
		return "", invalid("%s is not a text string", name)
	}
	if err := decMode.Unmarshal(raw, &s); err != nil {
		return "", invalid("%s: %v", name, err)
	}
	return s, nil
}

// readBytes decodes a byte string field of min..max bytes.
func readBytes(raw cbor.RawMessage, name string, min, max int) ([]byte, error) {
	if cborMajor(raw) != cborBytes {
		return nil, invalid("%s is not a byte string", name)
	}
	var b []byte
	if err := decMode.Unmarshal(raw, &b); err != nil {
		return nil, invalid("%s: %v", name, err)
	}
	if len(b) < min || len(b) > max {
		return nil, invalid("%s is %d bytes, want %d to %d", name, len(b), min, max)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// readPCRs decodes the pcrs map: 1..32 entries, index 0..31, 48-byte values.
func readPCRs(raw cbor.RawMessage) (map[int][]byte, error) {
	if cborMajor(raw) != cborMap {
		return nil, invalid("pcrs is not a map")
	}
	var m map[uint64]cbor.RawMessage
	if err := decMode.Unmarshal(raw, &m); err != nil {
		return nil, invalid("pcrs is not a map from unsigned integers: %v", err)
	}
	if len(m) == 0 || len(m) > maxPCRs {
		return nil, invalid("pcrs holds %d entries, want 1 to %d", len(m), maxPCRs)
	}
	pcrs := make(map[int][]byte, len(m))
	for index, v := range m {
		if index >= maxPCRs {
			return nil, invalid("pcrs index %d is not in 0..%d", index, maxPCRs-1)
		}
		name := "pcrs[" + strconv.Itoa(int(index)) + "]"
		b, err := readBytes(v, name, 0, maxCert)
		if err != nil {
			return nil, err
		}
		if len(b) != sha384PCRSize {
			return nil, invalid("%s is %d bytes, want %d for digest SHA384", name, len(b), sha384PCRSize)
		}
		pcrs[int(index)] = b
	}
	return pcrs, nil
}

// readCABundle decodes the cabundle array.
func readCABundle(raw cbor.RawMessage) ([][]byte, error) {
	if cborMajor(raw) != cborArray {
		return nil, invalid("cabundle is not an array")
	}
	var items []cbor.RawMessage
	if err := decMode.Unmarshal(raw, &items); err != nil {
		return nil, invalid("cabundle: %v", err)
	}
	if len(items) == 0 || len(items) > MaxCABundle {
		return nil, invalid("cabundle holds %d certificates, want 1 to %d", len(items), MaxCABundle)
	}
	bundle := make([][]byte, len(items))
	for i, item := range items {
		b, err := readBytes(item, "cabundle["+strconv.Itoa(i)+"]", 1, maxCert)
		if err != nil {
			return nil, err
		}
		bundle[i] = b
	}
	return bundle, nil
}
