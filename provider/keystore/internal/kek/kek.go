// Package kek is the passphrase derivation shared by the key stores that
// seal master key material under a passphrase (keystore/keyring's file,
// keystore/etcd's store key): Argon2id (RFC 9106) under costs that a reader
// bounds before running it, and HKDF-SHA256 subkeys of its output under
// labels each store's format chooses, so the Argon2id output itself is
// never used as a key.
//
// The stores keep their own error values and messages; this package only
// says whether costs and salts are acceptable and derives the keys.
package kek

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the Argon2id cost parameters of a passphrase-sealed
// store; the store records them beside its salt (and authenticates them).
type Argon2Params struct {
	// Time is the number of passes.
	Time uint32 `json:"time"`
	// MemoryKiB is the memory cost in KiB.
	MemoryKiB uint32 `json:"memory_kib"`
	// Threads is the degree of parallelism.
	Threads uint8 `json:"threads"`
}

// DefaultArgon2 is RFC 9106's second recommended option (t=3, 64 MiB).
var DefaultArgon2 = Argon2Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// DefaultArgon2Limits bounds the costs a stored kdf section may ask for, so
// a hostile store cannot stall or exhaust its reader: 10 passes, 256 MiB,
// 64 threads.
var DefaultArgon2Limits = Argon2Params{Time: 10, MemoryKiB: 256 * 1024, Threads: 64}

// Valid reports whether Argon2id can run with p: at least one pass and one
// thread, and Argon2's minimum memory of 8 KiB per thread.
func (p Argon2Params) Valid() bool {
	return p.Time != 0 && p.Threads != 0 && p.MemoryKiB >= 8*uint32(p.Threads)
}

// Within reports whether no cost of p is above limits.
func (p Argon2Params) Within(limits Argon2Params) bool {
	return p.Time <= limits.Time && p.MemoryKiB <= limits.MemoryKiB && p.Threads <= limits.Threads
}

// Salt sizes: NewSalt makes SaltSize bytes; a stored salt must be MinSalt
// to MaxSalt bytes.
const (
	SaltSize = 16
	MinSalt  = 16
	MaxSalt  = 64
)

// NewSalt returns a fresh random salt of SaltSize bytes.
func NewSalt() []byte {
	salt := make([]byte, SaltSize)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	return salt
}

// ValidSalt reports whether a stored salt has an acceptable length.
func ValidSalt(salt []byte) bool { return len(salt) >= MinSalt && len(salt) <= MaxSalt }

// KeySize is the length of the root and of every subkey.
const KeySize = 32

// Root runs Argon2id over passphrase and salt: the 32-byte root the
// subkeys are derived from. The caller checks p (Valid, Within) first and
// clears the root when done.
func Root(passphrase, salt []byte, p Argon2Params) []byte {
	return argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, KeySize)
}

// Subkey derives the 32-byte subkey of root under label by HKDF-SHA256
// (no salt; the label is the info).
func Subkey(root []byte, label string) []byte {
	k, err := hkdf.Key(sha256.New, root, nil, label, KeySize)
	if err != nil { // only for an output longer than 255 hashes
		panic("kek: " + err.Error())
	}
	return k
}

// Derive runs Argon2id once and returns one subkey per label, in order;
// the root is cleared before it returns.
func Derive(passphrase, salt []byte, p Argon2Params, labels ...string) [][]byte {
	root := Root(passphrase, salt, p)
	defer clear(root)
	out := make([][]byte, len(labels))
	for i, l := range labels {
		out[i] = Subkey(root, l)
	}
	return out
}
