package keystore

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// A key id is a random (version 4) UUID written in the 8-4-4-4-12
// lower-case hex form; envelopes carry its 16 bytes.

// ErrInvalidKeyID is returned by ParseKeyID for a string that is not a
// lower-case hex UUID.
var ErrInvalidKeyID = errors.New("keystore: key id is not a lower-case hex UUID")

// NewKeyID returns a fresh random version 4 UUID.
func NewKeyID() [16]byte {
	var id [16]byte
	_, _ = rand.Read(id[:])   // crypto/rand.Read never fails
	id[6] = id[6]&0x0f | 0x40 // UUID version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// FormatKeyID writes a 16-byte UUID in the 8-4-4-4-12 lower-case hex form.
func FormatKeyID(id [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:16])
}

// ParseKeyID reads a key id written by FormatKeyID; anything else fails with
// an error wrapping ErrInvalidKeyID.
func ParseKeyID(s string) ([16]byte, error) {
	var id [16]byte
	if len(s) != 36 {
		return id, fmt.Errorf("%w: %d characters, want 36", ErrInvalidKeyID, len(s))
	}
	j := 0
	for i := 0; i < len(s); i += 2 {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return id, fmt.Errorf("%w: no '-' at offset %d", ErrInvalidKeyID, i)
			}
			i--
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return id, fmt.Errorf("%w: offset %d is not a lower-case hex digit", ErrInvalidKeyID, i)
		}
		id[j] = hi<<4 | lo
		j++
	}
	return id, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
