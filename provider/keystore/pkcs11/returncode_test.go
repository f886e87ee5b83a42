//go:build cgo

package pkcs11

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
