package pkcs11

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(EnvModule, "/lib/x.so")
	t.Setenv(EnvToken, "tok")
	t.Setenv(EnvPIN, "secret-pin")
	t.Setenv(EnvSessions, "")
	c, err := ConfigFromEnv()
	require.NoError(t, err)
	assert.Equal(t, Config{Module: "/lib/x.so", TokenLabel: "tok", PIN: "secret-pin"}, c)

	for _, bad := range []string{"0", "-1", "x", "1025"} {
		t.Setenv(EnvSessions, bad)
		_, err := ConfigFromEnv()
		assert.ErrorContains(t, err, EnvSessions, "sessions %q", bad)
	}
	t.Setenv(EnvSessions, "16")
	c, err = ConfigFromEnv()
	require.NoError(t, err)
	assert.Equal(t, 16, c.Sessions)
}

func TestConfigRedactsPIN(t *testing.T) {
	c := Config{Module: "/m.so", TokenLabel: "t", PIN: "secret-pin"}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		assert.NotContains(t, s, "secret-pin")
		assert.Contains(t, s, "/m.so")
	}
}

// TestConfigValidate: a missing field names the variable that sets it.
func TestConfigValidate(t *testing.T) {
	good := Config{Module: "/m.so", TokenLabel: "t", PIN: "p"}
	for _, tc := range []struct {
		name string
		mut  func(*Config)
		msg  string
	}{
		{"no module", func(c *Config) { c.Module = "" }, EnvModule},
		{"no token", func(c *Config) { c.TokenLabel = "" }, EnvToken},
		{"no PIN", func(c *Config) { c.PIN = "" }, EnvPIN},
		{"negative sessions", func(c *Config) { c.Sessions = -1 }, "Sessions is -1"},
		{"too many sessions", func(c *Config) { c.Sessions = 5000 }, "Sessions is 5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.mut(&c)
			_, err := c.validate()
			assert.ErrorContains(t, err, tc.msg)
			s, err := Open(c)
			assert.Nil(t, s)
			assert.Error(t, err)
		})
	}
	c, err := good.validate()
	require.NoError(t, err)
	assert.Equal(t, DefaultSessions(), c.Sessions)
	assert.GreaterOrEqual(t, c.Sessions, 4)
}

// TestErrorNamesReturnCode: *Error names its CK_RV and matches the
// sentinel of the code.
func TestErrorNamesReturnCode(t *testing.T) {
	for _, tc := range []struct {
		code   uint
		target error
	}{
		{ckrPINIncorrect, ErrPINIncorrect},
		{ckrMechanismInvalid, ErrMechanismInvalid},
		{ckrMechanismParamInvalid, ErrMechanismInvalid},
		{ckrTokenNotPresent, ErrTokenNotFound},
		{0x05, nil}, // CKR_GENERAL_ERROR
	} {
		err := fmt.Errorf("outer: %w", &Error{Op: "C_Something", Code: tc.code})
		assert.Contains(t, err.Error(), fmt.Sprintf("(0x%X)", tc.code))
		assert.Contains(t, err.Error(), "C_Something")
		for _, s := range []error{ErrPINIncorrect, ErrMechanismInvalid, ErrTokenNotFound} {
			assert.Equal(t, s == tc.target, errors.Is(err, s), "code 0x%X vs %v", tc.code, s)
		}
	}
	assert.Contains(t, ErrPINIncorrect.Error(), "CKR_PIN_INCORRECT")
	assert.Contains(t, ErrMechanismInvalid.Error(), "CKR_MECHANISM_INVALID")
}
