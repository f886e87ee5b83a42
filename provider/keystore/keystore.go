package keystore

import (
	"context"
	"errors"

	"github.com/ecdkp/ecdkp/wrap"
)

// MasterKey is a master key (CMK) the provider can seal data key pairs
// under: the envelope's view of it (package wrap) and its metadata.
type MasterKey interface {
	wrap.MasterKey
	// Metadata is the key's state, spec and usage at the time of lookup.
	Metadata() KeyMetadata
}

// KeyStore resolves master key ids. Implementations are safe for
// concurrent use.
type KeyStore interface {
	// Key returns the master key with this id, or an error wrapping
	// ErrKeyNotFound.
	Key(ctx context.Context, keyID string) (MasterKey, error)
}

// KeyManager is a KeyStore whose keys can be managed, as the ecdkp command
// does with the keyring and the PKCS#11 store.
type KeyManager interface {
	KeyStore
	// CreateKey creates an enabled master key.
	CreateKey(ctx context.Context, params KeyParams) (KeyMetadata, error)
	// ListKeys lists every key's metadata.
	ListKeys(ctx context.Context) ([]KeyMetadata, error)
	// SetKeyState moves a key to another state.
	SetKeyState(ctx context.Context, keyID string, state KeyState) (KeyMetadata, error)
	// RotateKey adds a new version; new envelopes use it, old ones still open.
	RotateKey(ctx context.Context, keyID string) (KeyMetadata, error)
	// DefaultKey returns the default key's metadata, creating an AES_256 key
	// in DefaultProject when the store has none.
	DefaultKey(ctx context.Context) (KeyMetadata, error)
}

// ErrKeyNotFound is wrapped by KeyStores for an id they do not hold.
var ErrKeyNotFound = errors.New("keystore: key not found")

// ErrUnavailable is wrapped by KeyStores that cannot answer now, or cannot
// vouch that what they would answer is current (a replica cut off from its
// shared store past its staleness bound): the request is refused as
// temporarily unavailable, never answered from stale state. A key version
// whose Seal, Open or derivation fails wrapping it (an HSM removed) makes
// the request unavailable too, not a ciphertext that does not decrypt.
var ErrUnavailable = errors.New("keystore: unavailable")

// Checker is implemented by key stores that can tell whether they can
// answer now (a server's readiness): nil when they can.
type Checker interface {
	Check(ctx context.Context) error
}
