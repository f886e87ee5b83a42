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

// DefaultProject is the project of master keys created without one, and of
// keys stored before keys had projects: 32 hexadecimal zeros, a valid
// Huawei project_id.
const DefaultProject = "00000000000000000000000000000000"

// ValidProject reports whether s can name a project: 1 to 64 of
// [0-9A-Za-z_-], which holds Huawei's 32-hex project ids and AWS's
// 12-digit accounts.
func ValidProject(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// KeyParams are the settings of a master key to create.
type KeyParams struct {
	// Spec is the master key's spec.
	Spec MasterKeySpec
	// Project owns the key; "" means DefaultProject.
	Project string
}

// KeyMetadata describes a master key.
type KeyMetadata struct {
	KeyID string `json:"key_id"`
	// Project owns the key: only callers of that project may use it.
	Project        string        `json:"project"`
	KeySpec        MasterKeySpec `json:"key_spec"`
	KeyUsage       KeyUsage      `json:"key_usage"`
	KeyState       KeyState      `json:"key_state"`
	Origin         Origin        `json:"origin"`
	CreationDate   time.Time     `json:"creation_date"`
	CurrentVersion uint32        `json:"current_version"`
	Default        bool          `json:"default,omitempty"`
}
