//go:build cgo

package pkcs11

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

func TestReturnCodeName(t *testing.T) {
	for code, want := range map[uint]string{
		0xA0:       "CKR_PIN_INCORRECT",
		0x70:       "CKR_MECHANISM_INVALID",
		0x11:       "CKR_ATTRIBUTE_SENSITIVE",
		0x80000001: "CKR_VENDOR_DEFINED",
		0x7777:     "unknown CK_RV",
	} {
		assert.Equal(t, want, ReturnCodeName(code), "0x%X", code)
	}
	assert.Equal(t, "pkcs11: C_Login: CKR_PIN_INCORRECT (0xA0)", (&Error{Op: "C_Login", Code: 0xA0}).Error())
}

// TestUnavailableCodes: a call that failed because the token cannot be
// used now (removed, failing, out of sessions, logged out) is of class
// keystore.ErrUnavailable and wrap.ErrKeyUnavailable, so the provider
// answers unavailable (a retry may succeed) rather than an internal error
// or a ciphertext that does not decrypt; a failure of the data or of the
// request is neither.
func TestUnavailableCodes(t *testing.T) {
	for _, tc := range []struct {
		code        uint
		unavailable bool
	}{
		{0x30, true},  // CKR_DEVICE_ERROR
		{0x31, true},  // CKR_DEVICE_MEMORY
		{0x32, true},  // CKR_DEVICE_REMOVED
		{0xB0, true},  // CKR_SESSION_CLOSED
		{0xB1, true},  // CKR_SESSION_COUNT
		{0xB3, true},  // CKR_SESSION_HANDLE_INVALID
		{0xE0, true},  // CKR_TOKEN_NOT_PRESENT
		{0xE1, true},  // CKR_TOKEN_NOT_RECOGNIZED
		{0x101, true}, // CKR_USER_NOT_LOGGED_IN
		{0x190, true}, // CKR_CRYPTOKI_NOT_INITIALIZED
		{0x40, false}, // CKR_ENCRYPTED_DATA_INVALID (a bad tag)
		{0x06, false}, // CKR_FUNCTION_FAILED
		{0x70, false}, // CKR_MECHANISM_INVALID
		{0x82, false}, // CKR_OBJECT_HANDLE_INVALID (retried once, then the object is gone)
		{0xA0, false}, // CKR_PIN_INCORRECT
	} {
		err := fmt.Errorf("sealing: %w", &Error{Op: "C_Encrypt", Code: tc.code})
		assert.Equal(t, tc.unavailable, errors.Is(err, keystore.ErrUnavailable), "%s is keystore.ErrUnavailable", ReturnCodeName(tc.code))
		assert.Equal(t, tc.unavailable, errors.Is(err, wrap.ErrKeyUnavailable), "%s is wrap.ErrKeyUnavailable", ReturnCodeName(tc.code))
	}
	assert.ErrorIs(t, &Error{Code: 0xE0}, ErrTokenNotFound, "CKR_TOKEN_NOT_PRESENT is still ErrTokenNotFound")
}
