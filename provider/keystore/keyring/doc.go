// Package keyring is ecdkp's embedded master key store: a keystore.KeyStore
// (and keystore.KeyManager) held in memory, optionally persisted to a JSON
// keyring file.
//
// New returns a memory-only keyring for tests and embedding. Open backs it
// with a file that is created on first use, written atomically (temporary
// file in the same folder, fsync, rename, fsync of the folder) with mode
// 0600, so a failed or interrupted write leaves the previous file intact.
// The file is meant for one writer at a time.
//
// Key material is sealed in the file with AES-256-GCM under a key derived
// with Argon2id (RFC 9106) from a passphrase when one is given (the ecdkp
// command reads ECDKP_PASSPHRASE). Without a passphrase the material is
// stored in the clear, protected only by the file's permissions. A wrong
// passphrase is reported as ErrWrongPassphrase.
//
// Each master key has versions: RotateKey adds one, new envelopes are sealed
// under the newest, and every older version still opens its envelopes.
package keyring
