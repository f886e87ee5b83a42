//go:build cgo

package pkcs11

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/provider/keystore/pkcs11/softhsmtest"
	p11 "github.com/miekg/pkcs11"
	"github.com/stretchr/testify/require"
)

// The SoftHSM2 test fixture: TestMain makes a few tokens (package
// softhsmtest) and points SOFTHSM2_CONF at them before the module is loaded
// (SoftHSM2 reads its token folder at C_Initialize, so tokens made later
// would not be seen). Tests borrow a token, and the token is wiped and
// returned when the test ends.

const (
	testPIN = softhsmtest.PIN
	// testTokens is how many tokens exist; a test holds at most three.
	testTokens = 6
)

var softhsm struct {
	skip   string // why the PKCS#11 tests cannot run, or ""
	module string
	dir    string
	free   chan string // labels of tokens no test holds
}

func TestMain(m *testing.M) {
	code := func() int {
		if err := setupSoftHSM(); err != nil {
			fmt.Fprintln(os.Stderr, "pkcs11 tests: SoftHSM2 setup failed:", err)
			return 1
		}
		if softhsm.dir != "" {
			defer os.RemoveAll(softhsm.dir)
		}
		return m.Run()
	}()
	os.Exit(code)
}

func setupSoftHSM() error {
	module, util, skip := softhsmtest.Find()
	if skip != "" {
		softhsm.skip = skip
		return nil
	}
	softhsm.module = module
	dir, err := os.MkdirTemp("", "ecdkp-softhsm-")
	if err != nil {
		return err
	}
	softhsm.dir = dir
	labels := make([]string, testTokens)
	softhsm.free = make(chan string, testTokens)
	for i := range labels {
		labels[i] = "ecdkp-test"
		if i > 0 {
			labels[i] = fmt.Sprintf("ecdkp-test-%d", i+1)
		}
		softhsm.free <- labels[i]
	}
	conf, err := softhsmtest.Init(util, dir, labels...)
	if err != nil {
		return err
	}
	return os.Setenv("SOFTHSM2_CONF", conf)
}

// requireSoftHSM skips the test when SoftHSM2 is not installed.
func requireSoftHSM(t testing.TB) {
	t.Helper()
	if softhsm.skip != "" {
		t.Skip(softhsm.skip)
	}
}

// testConfig is the Config of a test token.
func testConfig(label string) Config {
	return Config{Module: softhsm.module, TokenLabel: label, PIN: testPIN, Sessions: 4}
}

// takeToken lends the test an empty token; it is wiped and returned when
// the test ends (after the stores the test opened are closed).
func takeToken(t testing.TB) string {
	t.Helper()
	requireSoftHSM(t)
	var label string
	select {
	case label = <-softhsm.free:
	case <-time.After(10 * time.Second):
		t.Fatalf("no free SoftHSM2 token: raise testTokens (%d)", testTokens)
	}
	t.Cleanup(func() {
		if err := wipeToken(label); err != nil {
			t.Errorf("wiping token %q: %v", label, err)
		}
		softhsm.free <- label
	})
	return label
}

// openStore opens a store on label, closed when the test ends.
func openStore(t testing.TB, label string) *Store {
	t.Helper()
	s, err := Open(testConfig(label))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// newStore is a store on a fresh empty token.
func newStore(t testing.TB) *Store { return openStore(t, takeToken(t)) }

// wipeToken destroys every object on a test token.
func wipeToken(label string) error {
	mod, err := acquireModule(softhsm.module)
	if err != nil {
		return err
	}
	defer mod.release()
	slot, err := mod.findToken(label)
	if err != nil {
		return err
	}
	sh, err := mod.ctx.OpenSession(slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		return err
	}
	defer mod.ctx.CloseSession(sh)
	if err := mod.login(slot, sh, label, testPIN); err != nil {
		return err
	}
	defer mod.logout(slot)
	hs, err := findObjects(mod.ctx, sh, nil)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if err := mod.ctx.DestroyObject(sh, h); err != nil {
			return err
		}
	}
	return nil
}

// session borrows one of s's sessions for a test's raw PKCS#11 calls.
func session(t testing.TB, s *Store, f func(ctx *p11.Ctx, sh p11.SessionHandle)) {
	t.Helper()
	require.NoError(t, s.pool.with(t.Context(), func(sh p11.SessionHandle) error {
		f(s.mod.ctx, sh)
		return nil
	}))
}
