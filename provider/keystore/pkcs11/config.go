package pkcs11

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvModule   = "ECDKP_PKCS11_MODULE"
	EnvToken    = "ECDKP_PKCS11_TOKEN"
	EnvPIN      = "ECDKP_PKCS11_PIN"
	EnvSessions = "ECDKP_PKCS11_SESSIONS"
)

// maxSessions bounds Config.Sessions; tokens limit sessions far below it.
const maxSessions = 1024

// Config says which token holds the master keys and how to reach it.
type Config struct {
	// Module is the path of the PKCS#11 library, such as
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string
	// TokenLabel is the CKA_LABEL of the token (CK_TOKEN_INFO.label).
	TokenLabel string
	// PIN is the user (CKU_USER) PIN.
	PIN string
	// Sessions is the size of the session pool; 0 means DefaultSessions.
	Sessions int
	// Refresh is how often the store rereads the token for what other
	// processes changed since (keys created, versions added, states
	// changed: `ecdkp keys` beside a running server, another replica on
	// the same HSM): 0 means DefaultRefresh, a negative value never (a
	// short command).
	Refresh time.Duration
}

// DefaultRefresh is the period of Config.Refresh when it is 0: a change
// another process makes is in force here within about this long.
const DefaultRefresh = time.Second

// String redacts the PIN.
func (c Config) String() string {
	return fmt.Sprintf("pkcs11.Config{Module: %q, TokenLabel: %q, PIN: <redacted>, Sessions: %d, Refresh: %v}", c.Module, c.TokenLabel, c.Sessions, c.Refresh)
}

// GoString redacts the PIN in %#v too.
func (c Config) GoString() string { return c.String() }

// DefaultSessions is the pool size used when Config.Sessions is 0: two per
// usable CPU, at least 4.
func DefaultSessions() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// ConfigFromEnv reads a Config from ECDKP_PKCS11_MODULE,
// ECDKP_PKCS11_TOKEN, ECDKP_PKCS11_PIN and, optionally,
// ECDKP_PKCS11_SESSIONS. Missing values are left empty for Open to report;
// only a malformed ECDKP_PKCS11_SESSIONS is an error here.
func ConfigFromEnv() (Config, error) {
	c := Config{
		Module:     os.Getenv(EnvModule),
		TokenLabel: os.Getenv(EnvToken),
		PIN:        os.Getenv(EnvPIN),
	}
	if s := os.Getenv(EnvSessions); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxSessions {
			return c, fmt.Errorf("pkcs11: %s=%q is not a session count between 1 and %d", EnvSessions, s, maxSessions)
		}
		c.Sessions = n
	}
	return c, nil
}

// validate checks c and fills in defaults.
func (c Config) validate() (Config, error) {
	switch {
	case c.Module == "":
		return c, fmt.Errorf("pkcs11: no PKCS#11 module path (set Config.Module or %s)", EnvModule)
	case c.TokenLabel == "":
		return c, fmt.Errorf("pkcs11: no token label (set Config.TokenLabel or %s)", EnvToken)
	case c.PIN == "":
		return c, fmt.Errorf("pkcs11: no user PIN (set Config.PIN or %s)", EnvPIN)
	case c.Sessions < 0 || c.Sessions > maxSessions:
		return c, fmt.Errorf("pkcs11: Config.Sessions is %d, want 0 (default) to %d", c.Sessions, maxSessions)
	}
	if c.Sessions == 0 {
		c.Sessions = DefaultSessions()
	}
	if c.Refresh == 0 {
		c.Refresh = DefaultRefresh
	}
	return c, nil
}
