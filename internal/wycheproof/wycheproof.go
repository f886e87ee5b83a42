// Package wycheproof loads Wycheproof test vectors for ecdkp's tests.
//
// The vectors live outside the repository, in the shared/wycheproof folder
// beside the checkout (../shared/wycheproof from the module root); they are
// never copied in. Load skips the test with a clear message when the folder
// is absent, so a checkout elsewhere still runs every other test.
package wycheproof

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// File is one Wycheproof vector file, generic over its test groups.
type File struct {
	Algorithm     string  `json:"algorithm"`
	NumberOfTests int     `json:"numberOfTests"`
	TestGroups    []Group `json:"testGroups"`
}

// Group is a test group; fields absent from a schema stay zero.
type Group struct {
	Type       string          `json:"type"`
	Curve      string          `json:"curve"`
	Encoding   string          `json:"encoding"`
	KeySize    int             `json:"keySize"`
	IVSize     int             `json:"ivSize"`
	TagSize    int             `json:"tagSize"`
	SHA        string          `json:"sha"`
	MGF        string          `json:"mgf"`
	MGFSHA     string          `json:"mgfSha"`
	PrivateKey json.RawMessage `json:"privateKey"`
	// PrivateKeyPKCS8 is the hex DER of the group's private key (RSA-OAEP).
	PrivateKeyPKCS8 Hex             `json:"privateKeyPkcs8"`
	PrivateKeyPem   string          `json:"privateKeyPem"`
	PublicKey       json.RawMessage `json:"publicKey"`
	PublicKeyDer    Hex             `json:"publicKeyDer"`
	Tests           []Test          `json:"tests"`
}

// Test is one vector. Byte fields are hex in JSON; Public and Private are
// kept as strings because their encoding depends on the schema (hex DER,
// hex point or PEM).
type Test struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	Result  string   `json:"result"` // "valid", "invalid" or "acceptable"

	Public  string `json:"public"`
	Private string `json:"private"`
	Shared  Hex    `json:"shared"`

	Key   Hex `json:"key"`
	IV    Hex `json:"iv"`
	AAD   Hex `json:"aad"`
	Msg   Hex `json:"msg"`
	CT    Hex `json:"ct"`
	Tag   Hex `json:"tag"`
	Label Hex `json:"label"`
	Sig   Hex `json:"sig"`
}

// HasFlag reports whether the vector carries flag f.
func (t *Test) HasFlag(f string) bool {
	for _, x := range t.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// Hex is a byte string written as hex in JSON.
type Hex []byte

// UnmarshalJSON decodes a hex string.
func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = d
	return nil
}

// Dir returns the shared Wycheproof folder, or "" when it is absent. It walks
// up from the working directory to the module root (the go.mod whose parent
// holds shared/wycheproof).
func Dir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "..", "shared", "wycheproof")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load reads one vector file by name (e.g. "aes_gcm_test.json"), skipping the
// test when the shared folder is absent and failing it when the file is
// missing or malformed.
func Load(t testing.TB, name string) *File {
	t.Helper()
	dir := Dir()
	if dir == "" {
		t.Skipf("wycheproof: ../shared/wycheproof not found above %s; skipping %s", mustWd(), name)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("wycheproof: %v", err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("wycheproof: %s: %v", name, err)
	}
	if f.NumberOfTests == 0 || len(f.TestGroups) == 0 {
		t.Fatalf("wycheproof: %s holds no tests", name)
	}
	return &f
}

// Count returns how many tests a file holds across its groups.
func (f *File) Count() int {
	n := 0
	for _, g := range f.TestGroups {
		n += len(g.Tests)
	}
	return n
}

func mustWd() string {
	wd, _ := os.Getwd()
	return wd
}
