package vectors

import (
	"fmt"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// MasterKey is an in-memory wrap.MasterKey holding one version, built from
// an envelope vector's master key fields.
type MasterKey struct {
	id      [16]byte
	alg     wrap.Algorithm
	version uint32
	kc      wrap.KeyCipher
}

// NewMasterKey builds the master key of spec ("AES_256" or "SM4") with the
// given material, id (8-4-4-4-12 lower-case hex) and single version.
func NewMasterKey(spec string, material []byte, keyID string, version uint32) (*MasterKey, error) {
	alg, ok := keystore.MasterKeySpec(spec).Algorithm()
	if !ok {
		return nil, fmt.Errorf("vectors: unknown master key spec %q", spec)
	}
	id, err := keystore.ParseKeyID(keyID)
	if err != nil {
		return nil, fmt.Errorf("vectors: master key id: %w", err)
	}
	kc, err := wrap.NewKeyCipher(alg, material)
	if err != nil {
		return nil, err
	}
	return &MasterKey{id: id, alg: alg, version: version, kc: kc}, nil
}

// ID implements wrap.MasterKey.
func (k *MasterKey) ID() [16]byte { return k.id }

// Algorithm implements wrap.MasterKey.
func (k *MasterKey) Algorithm() wrap.Algorithm { return k.alg }

// CurrentVersion implements wrap.MasterKey.
func (k *MasterKey) CurrentVersion() uint32 { return k.version }

// Version implements wrap.MasterKey; only the key's one version exists.
func (k *MasterKey) Version(v uint32) (wrap.KeyCipher, error) {
	if v != k.version {
		return nil, fmt.Errorf("%w: master key has version %d, not %d", wrap.ErrKeyUnavailable, k.version, v)
	}
	return k.kc, nil
}

// OpenKey returns the master key of an envelope vector.
func (e *Envelope) OpenKey() (*MasterKey, error) {
	return NewMasterKey(e.Algorithm, e.MasterKey, e.KeyID, e.KeyVersion)
}

// OpenKey returns the master key of an envelope v2 vector.
func (e *EnvelopeV2) OpenKey() (*MasterKey, error) {
	return NewMasterKey(e.Algorithm, e.MasterKey, e.KeyID, e.KeyVersion)
}
