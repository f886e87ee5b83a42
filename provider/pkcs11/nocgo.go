//go:build !cgo

package pkcs11

import (
	"context"
	"fmt"

	"github.com/ecdkp/ecdkp/provider"
)

// Store is the PKCS#11 master key store. This build has no cgo, so Open
// always fails with ErrNeedsCgo and no Store exists.
type Store struct{}

// Open fails with ErrNeedsCgo: the store needs cgo.
func Open(cfg Config) (*Store, error) { return nil, ErrNeedsCgo }

// Close implements io.Closer.
func (s *Store) Close() error { return ErrNeedsCgo }

// Key implements provider.KeyStore.
func (s *Store) Key(context.Context, string) (provider.MasterKey, error) { return nil, ErrNeedsCgo }

// CreateKey implements provider.KeyManager.
func (s *Store) CreateKey(context.Context, provider.MasterKeySpec) (provider.KeyMetadata, error) {
	return provider.KeyMetadata{}, ErrNeedsCgo
}

// ListKeys implements provider.KeyManager.
func (s *Store) ListKeys(context.Context) ([]provider.KeyMetadata, error) { return nil, ErrNeedsCgo }

// SetKeyState implements provider.KeyManager.
func (s *Store) SetKeyState(context.Context, string, provider.KeyState) (provider.KeyMetadata, error) {
	return provider.KeyMetadata{}, ErrNeedsCgo
}

// RotateKey implements provider.KeyManager.
func (s *Store) RotateKey(context.Context, string) (provider.KeyMetadata, error) {
	return provider.KeyMetadata{}, ErrNeedsCgo
}

// DefaultKey implements provider.KeyManager.
func (s *Store) DefaultKey(context.Context) (provider.KeyMetadata, error) {
	return provider.KeyMetadata{}, ErrNeedsCgo
}

// ReturnCodeName names a CK_RV; without cgo the module's name table is not
// linked, so it is the number.
func ReturnCodeName(code uint) string { return fmt.Sprintf("CKR_0x%X", code) }

var _ provider.KeyManager = (*Store)(nil)
