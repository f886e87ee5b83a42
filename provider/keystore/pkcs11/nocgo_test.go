//go:build !cgo

package pkcs11

import (
	"context"
	"testing"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/stretchr/testify/assert"
)

// TestOpenNeedsCgo: without cgo the package builds and Open says why it
// cannot work.
func TestOpenNeedsCgo(t *testing.T) {
	s, err := Open(Config{Module: "/usr/lib/softhsm/libsofthsm2.so", TokenLabel: "t", PIN: "1234"})
	assert.Nil(t, s)
	assert.ErrorIs(t, err, ErrNeedsCgo)
	assert.Contains(t, err.Error(), "CGO_ENABLED=1")
	var st *Store
	_, err = st.CreateKey(context.Background(), keystore.KeyParams{Spec: keystore.AES256})
	assert.ErrorIs(t, err, ErrNeedsCgo)
}
