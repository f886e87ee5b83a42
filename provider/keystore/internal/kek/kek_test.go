package kek

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"
)

var cheap = Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

func TestParams(t *testing.T) {
	for _, tc := range []struct {
		name          string
		p             Argon2Params
		valid, within bool
	}{
		{"default", DefaultArgon2, true, true},
		{"limits", DefaultArgon2Limits, true, true},
		{"cheap", cheap, true, true},
		{"no pass", Argon2Params{Time: 0, MemoryKiB: 64, Threads: 1}, false, true},
		{"no thread", Argon2Params{Time: 1, MemoryKiB: 64, Threads: 0}, false, true},
		{"under 8 KiB a thread", Argon2Params{Time: 1, MemoryKiB: 15, Threads: 2}, false, true},
		{"11 passes", Argon2Params{Time: 11, MemoryKiB: 64, Threads: 1}, true, false},
		{"512 MiB", Argon2Params{Time: 1, MemoryKiB: 512 * 1024, Threads: 1}, true, false},
		{"65 threads", Argon2Params{Time: 1, MemoryKiB: 8 * 65, Threads: 65}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.valid, tc.p.Valid())
			assert.Equal(t, tc.within, tc.p.Within(DefaultArgon2Limits))
		})
	}
}

func TestSalt(t *testing.T) {
	a, b := NewSalt(), NewSalt()
	assert.Len(t, a, SaltSize)
	assert.NotEqual(t, a, b)
	for n, want := range map[int]bool{0: false, 15: false, 16: true, 64: true, 65: false} {
		assert.Equal(t, want, ValidSalt(make([]byte, n)), "%d bytes", n)
	}
}

// TestDerive: the root is Argon2id itself and each subkey HKDF-SHA256 of it
// under its label, which the keyring's file format depends on.
func TestDerive(t *testing.T) {
	pass, salt := []byte("correct horse"), bytes.Repeat([]byte{1}, 16)
	root := argon2.IDKey(pass, salt, cheap.Time, cheap.MemoryKiB, cheap.Threads, 32)
	assert.Equal(t, root, Root(pass, salt, cheap))
	want, err := hkdf.Key(sha256.New, root, nil, "a", 32)
	require.NoError(t, err)
	keys := Derive(pass, salt, cheap, "a", "b")
	require.Len(t, keys, 2)
	assert.Equal(t, want, keys[0])
	assert.Equal(t, want, Subkey(root, "a"))
	assert.NotEqual(t, keys[0], keys[1], "labels separate subkeys")
	assert.NotEqual(t, root, keys[0], "the root is not a subkey")
	other := Derive([]byte("correct horsf"), salt, cheap, "a")
	assert.NotEqual(t, keys[0], other[0])
}
