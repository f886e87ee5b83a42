package keystore

import (
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

// KeyUsage is what a master key may be used for, the kms:KeyUsage
// condition key.
type KeyUsage string

// UsageEncryptDecrypt is the only key usage a master key of this operation
// may have.
const UsageEncryptDecrypt KeyUsage = "ENCRYPT_DECRYPT"

// KeyState is the life-cycle state of a master key, as Huawei KMS names
// its key_state values 2 (enabled) to 5 (pending import).
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

// Origin is where a master key's material came from, the kms:KeyOrigin
// condition key.
type Origin string

// Key origins.
const (
	OriginKMS      Origin = "kms"
	OriginExternal Origin = "external"
	OriginHSM      Origin = "hsm"
)

// KeyMetadata describes a master key.
type KeyMetadata struct {
	KeyID          string        `json:"key_id"`
	KeySpec        MasterKeySpec `json:"key_spec"`
	KeyUsage       KeyUsage      `json:"key_usage"`
	KeyState       KeyState      `json:"key_state"`
	Origin         Origin        `json:"origin"`
	CreationDate   time.Time     `json:"creation_date"`
	CurrentVersion uint32        `json:"current_version"`
	Default        bool          `json:"default,omitempty"`
}
