// Package keyring is ecdkp's embedded master key store: a keystore.KeyStore
// (and keystore.KeyManager) held in memory, optionally persisted to a JSON
// keyring file.
//
// New returns a memory-only keyring for tests and embedding. Open backs it
// with a file, created on first use unless WithoutCreate is given.
//
// Several processes may share one file. Every change (CreateKey,
// SetKeyState, RotateKey, the first DefaultKey, Seal, ChangePassphrase)
// takes an exclusive flock(2) on a lock file beside it (PATH.lock), rereads
// and verifies the file as it is then, applies the change, and writes the
// result atomically: a temporary file in the same folder (mode 0600),
// fsync, rename over the file, fsync of the folder. Readers take no lock:
// they see a whole old file or a whole new one. A writer killed at any
// point leaves the previous file, with every change committed before it.
// The lock is advisory: it binds ecdkp processes, not other programs.
//
// An open file keyring rereads its file every DefaultReloadInterval
// (WithReload), so a running server follows other processes' changes
// within a second: a disabled key is refused, a new or rotated key is used.
// A file that fails to load is logged (WithLogger) and the keyring keeps
// its last good keys; it never serves from a partly read or unverified
// file. Lookups read an immutable snapshot and take no lock.
//
// The file (format ecdkp-keyring/v2) is one JSON document: the kdf section
// when sealed, the default key id, and each key's metadata (spec, state,
// usage, origin, project, versions) with the material of every version.
// A sealed keyring (WithPassphrase) derives a root key from the passphrase
// with Argon2id (RFC 9106; costs stored in the file, bounded on read by
// DefaultArgon2Limits) and, by HKDF-SHA256, three subkeys from it: a check
// value stored in the file (a wrong passphrase is ErrWrongPassphrase), the
// AES-256-GCM key sealing each version's material (bound to key id and
// version), and an HMAC-SHA256 key authenticating the whole document
// (ErrAltered for any change: a state, a version list, the default, a
// project, the kdf costs, an order, a duplicate). Every file also carries a
// SHA-256 checksum, so damage is ErrDamaged even without a passphrase. An
// unsealed keyring stores material in the clear, protected only by the
// file's permissions and detected damage; a passphrase given for one is
// ErrNotSealed, since a sealed file stripped of its seal looks the same.
// Seal seals one, ChangePassphrase changes a passphrase.
//
// Format v1 files are still read: unsealed ones are rewritten as v2 by the
// next change; sealed ones, whose seal covered the material only, are
// refused (ErrLegacySealed) except by Seal and ChangePassphrase, which
// rewrite them as v2.
//
// Each master key has versions: RotateKey adds one, new envelopes are sealed
// under the newest, and every older version still opens its envelopes.
//
// What the seal cannot tell: an older copy of the whole file put back (it
// is authentic, so it is accepted, with the states and versions it had: a
// key disabled since is enabled again, and envelopes of versions added
// since no longer open); keep the file where only its owner writes. A
// change writes a new file and renames it over the path, so a symbolic
// link at the path is replaced by a regular file on the first change.
package keyring
