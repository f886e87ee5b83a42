package provider

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/quote"
)

// Limits of request fields, from the create-ec-datakey-pair API reference.
const (
	keyIDLen    = 36
	sequenceLen = 36
	// MaxAADLen bounds additional_authenticated_data ("less than 1024 bytes").
	MaxAADLen = 1023
	// MaxCipherTextLen bounds a decrypt request's cipher_text (base64).
	MaxCipherTextLen = 8192
)

// validKeyID checks ^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$.
func validKeyID(id string) bool {
	if len(id) != keyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
				return false
			}
		}
	}
	return true
}

// checkKeyID validates key_id's presence and format.
func checkKeyID(id string) error {
	if id == "" {
		return Errorf(FailMissingParameter, "key_id is required")
	}
	if !validKeyID(id) {
		return Errorf(FailInvalidKeyID, "key_id must be 36 characters of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (0-9, a-z), got %d characters", len(id))
	}
	return nil
}

// checkSequence validates the optional 36-byte sequence.
func checkSequence(seq string) error {
	if seq == "" {
		return nil
	}
	if len(seq) != sequenceLen {
		return Errorf(FailInvalidSequence, "sequence must be 36 bytes, got %d", len(seq))
	}
	for i := 0; i < len(seq); i++ {
		c := seq[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return Errorf(FailInvalidSequence, "sequence may hold only letters, digits and '-'; byte %d is not one", i)
		}
	}
	return nil
}

// MaxEncryptionContextLen bounds the encoding (wrap.AWSContext) of an
// EncryptionContext.
const MaxEncryptionContextLen = 8192

// checkContext validates the caller's context: an AAD or an
// EncryptionContext, not both, and each within its bounds.
func checkContext(aad string, ec map[string]string) error {
	if err := checkAAD(aad); err != nil {
		return err
	}
	if ec == nil {
		return nil
	}
	if aad != "" {
		return Errorf(FailInvalidParameter, "additional_authenticated_data and EncryptionContext are exclusive")
	}
	n := 1
	for k, v := range ec {
		if k == "" {
			return Errorf(FailInvalidParameter, "EncryptionContext has an empty key")
		}
		n += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	if n > MaxEncryptionContextLen {
		return Errorf(FailInvalidParameter, "EncryptionContext is about %d bytes, more than the %d allowed", n, MaxEncryptionContextLen)
	}
	return nil
}

// checkAAD validates additional_authenticated_data's length.
func checkAAD(aad string) error {
	if len(aad) > MaxAADLen {
		return Errorf(FailInvalidParameter, "additional_authenticated_data must be under 1024 bytes, got %d", len(aad))
	}
	return nil
}

// lookupSpec resolves key_spec.
func lookupSpec(spec string) (curves.Curve, error) {
	if spec == "" {
		return nil, Errorf(FailMissingParameter, "key_spec is required")
	}
	c, err := curves.Lookup(curves.Spec(spec))
	if err != nil {
		return nil, Wrapf(FailUnknownKeySpec, err, "key_spec %q is not supported; use one of %v", quote.Clip(spec, clipLen), curves.Specs())
	}
	return c, nil
}

// decodeB64 decodes a standard, padded base64 field.
func decodeB64(field, s string, f Failure) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, Wrapf(f, err, "%s is not valid base64 (standard alphabet, padded)", field)
	}
	return b, nil
}

// clipLen bounds the caller's text a message echoes.
const clipLen = 40
