package provider

import (
	"context"
	"errors"
	"time"

	"github.com/ecdkp/ecdkp/wrap"
)

// MasterKeySpec is the spec of a master key (CMK).
type MasterKeySpec string

// Master key specs.
const (
	AES256 MasterKeySpec = "AES_256"
	SM4    MasterKeySpec = "SM4"
)

// Algorithm is the envelope algorithm of a master key spec.
func (s MasterKeySpec) Algorithm() (wrap.Algorithm, bool) {
	switch s {
	case AES256:
		return wrap.AES256GCM, true
	case SM4:
		return wrap.SM4GCM, true
	}
	return 0, false
}

// KeyUsageEncryptDecrypt is the only key usage a master key of this
// operation may have.
const KeyUsageEncryptDecrypt = "ENCRYPT_DECRYPT"

// KeyState is the life-cycle state of a master key. The JSON names follow
// Huawei KMS's key_state values: "2" enabled, "3" disabled, "4" pending
// deletion, "5" pending import.
type KeyState string

// Key states.
const (
	KeyEnabled         KeyState = "Enabled"
	KeyDisabled        KeyState = "Disabled"
	KeyPendingDeletion KeyState = "PendingDeletion"
	KeyPendingImport   KeyState = "PendingImport"
)

// Valid reports whether s is one of the four states.
func (s KeyState) Valid() bool {
	switch s {
	case KeyEnabled, KeyDisabled, KeyPendingDeletion, KeyPendingImport:
		return true
	}
	return false
}

// Key origins, the kms:KeyOrigin condition key.
const (
	OriginKMS      = "kms"
	OriginExternal = "external"
	OriginHSM      = "hsm"
)

// KeyMetadata describes a master key.
type KeyMetadata struct {
	KeyID          string        `json:"key_id"`
	KeySpec        MasterKeySpec `json:"key_spec"`
	KeyUsage       string        `json:"key_usage"`
	KeyState       KeyState      `json:"key_state"`
	Origin         string        `json:"origin"`
	CreationDate   time.Time     `json:"creation_date"`
	CurrentVersion uint32        `json:"current_version"`
	Default        bool          `json:"default,omitempty"`
}

// MasterKey is a master key the provider can seal data key pairs under.
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
	// CreateKey creates an enabled master key of the spec.
	CreateKey(ctx context.Context, spec MasterKeySpec) (KeyMetadata, error)
	// ListKeys lists every key's metadata.
	ListKeys(ctx context.Context) ([]KeyMetadata, error)
	// SetKeyState moves a key to another state.
	SetKeyState(ctx context.Context, keyID string, state KeyState) (KeyMetadata, error)
	// RotateKey adds a new version; new envelopes use it, old ones still open.
	RotateKey(ctx context.Context, keyID string) (KeyMetadata, error)
	// DefaultKey returns the default key's metadata, creating an AES_256 key
	// when the store has none.
	DefaultKey(ctx context.Context) (KeyMetadata, error)
}

// ErrKeyNotFound is wrapped by KeyStores for an id they do not hold.
var ErrKeyNotFound = errors.New("key not found")
