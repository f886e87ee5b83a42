//go:build !cgo

package pkcs11

import (
	"context"
	"fmt"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// Store is the PKCS#11 master key store. This build has no cgo, so Open
// always fails with ErrNeedsCgo and no Store exists.
type Store struct{}

// Open fails with ErrNeedsCgo: the store needs cgo.
func Open(cfg Config) (*Store, error) { return nil, ErrNeedsCgo }

// Close implements io.Closer.
func (s *Store) Close() error { return ErrNeedsCgo }

// Key implements keystore.KeyStore.
func (s *Store) Key(context.Context, string) (keystore.MasterKey, error) { return nil, ErrNeedsCgo }

// CreateKey implements keystore.KeyManager.
func (s *Store) CreateKey(context.Context, keystore.KeyParams) (keystore.KeyMetadata, error) {
	return keystore.KeyMetadata{}, ErrNeedsCgo
}

// ListKeys implements keystore.KeyManager.
func (s *Store) ListKeys(context.Context) ([]keystore.KeyMetadata, error) { return nil, ErrNeedsCgo }

// SetKeyState implements keystore.KeyManager.
func (s *Store) SetKeyState(context.Context, string, keystore.KeyState) (keystore.KeyMetadata, error) {
	return keystore.KeyMetadata{}, ErrNeedsCgo
}

// RotateKey implements keystore.KeyManager.
func (s *Store) RotateKey(context.Context, string) (keystore.KeyMetadata, error) {
	return keystore.KeyMetadata{}, ErrNeedsCgo
}

// DefaultKey implements keystore.KeyManager.
func (s *Store) DefaultKey(context.Context) (keystore.KeyMetadata, error) {
	return keystore.KeyMetadata{}, ErrNeedsCgo
}

// ReturnCodeName names a CK_RV; without cgo the module's name table is not
// linked, so it is the number.
func ReturnCodeName(code uint) string { return fmt.Sprintf("CKR_0x%X", code) }

var _ keystore.KeyManager = (*Store)(nil)
