// Package softhsmtest makes SoftHSM2 tokens for tests: a token folder with
// its own softhsm2.conf, tokens initialized with softhsm2-util, and what a
// test needs to reach them (the module's path and the environment that
// points SoftHSM2 and the command at them). The PKCS#11 store's tests, the
// etcd store's PKCS#11 KEK test and the command's tests share it.
package softhsmtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// PIN and SOPIN are the user and security officer PINs of every token made
// here.
const (
	PIN   = "1234"
	SOPIN = "5678"
)

// moduleCandidates are where Debian and Ubuntu put SoftHSM2's library.
var moduleCandidates = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// Find returns SoftHSM2's module and softhsm2-util, or why tests that need
// them skip.
func Find() (module, util, skip string) {
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		return "", "", "softhsm2-util not found in PATH: install SoftHSM2 (apt-get install softhsm2) to run the PKCS#11 tests"
	}
	for _, c := range moduleCandidates {
		if _, err := os.Stat(c); err == nil {
			return c, util, ""
		}
	}
	return "", "", fmt.Sprintf("softhsm2-util is installed but libsofthsm2.so is in none of %v", moduleCandidates)
}

// Init writes dir/softhsm2.conf over the token folder dir/tokens and
// initializes a token of each label there; it returns the conf file, for
// SOFTHSM2_CONF (which SoftHSM2 reads at C_Initialize: tokens made after a
// process loaded the module are not seen by it).
func Init(util, dir string, labels ...string) (conf string, err error) {
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return "", err
	}
	conf = filepath.Join(dir, "softhsm2.conf")
	body := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return "", err
	}
	for _, label := range labels {
		cmd := exec.Command(util, "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SOPIN)
		cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("softhsm2-util --init-token --label %s: %v: %s", label, err, out)
		}
	}
	return conf, nil
}

// Token is one SoftHSM2 token made for a test.
type Token struct {
	Module, Label, PIN, Conf string
}

// New makes a token labelled label in a folder of t and points this
// process's SOFTHSM2_CONF at it (t.Setenv), or skips t without SoftHSM2.
func New(t testing.TB, label string) Token {
	t.Helper()
	module, util, skip := Find()
	if skip != "" {
		t.Skip(skip)
	}
	conf, err := Init(util, t.TempDir(), label)
	if err != nil {
		t.Fatalf("softhsmtest: %v", err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	return Token{Module: module, Label: label, PIN: PIN, Conf: conf}
}

// Env is the environment that points a child process, and the command's
// --keystore pkcs11, at the token.
func (tk Token) Env() []string {
	return []string{"SOFTHSM2_CONF=" + tk.Conf, "ECDKP_PKCS11_MODULE=" + tk.Module,
		"ECDKP_PKCS11_TOKEN=" + tk.Label, "ECDKP_PKCS11_PIN=" + tk.PIN}
}
