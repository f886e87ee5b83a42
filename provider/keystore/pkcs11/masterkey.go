//go:build cgo

package pkcs11

import (
	"fmt"

	p11 "github.com/miekg/pkcs11"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// masterKey is an immutable snapshot of one key: changes replace it, so
// Key hands it out without copying or locking.
type masterKey struct {
	md       keystore.KeyMetadata
	id       [16]byte
	serial   uint64
	revision uint64
	// versions is indexed by version-1; a version whose object is missing
	// or unfit has a nil cipher and the reason in errs.
	versions []*hsmCipher
	errs     []error
}

func (k *masterKey) ID() [16]byte                   { return k.id }
func (k *masterKey) Algorithm() wrap.Algorithm      { return wrap.AES256GCM }
func (k *masterKey) CurrentVersion() uint32         { return k.md.CurrentVersion }
func (k *masterKey) Metadata() keystore.KeyMetadata { return k.md }

// Version implements wrap.MasterKey.
func (k *masterKey) Version(v uint32) (wrap.KeyCipher, error) {
	if v == 0 || int(v) > len(k.versions) {
		return nil, fmt.Errorf("%w: master key %s has no version %d", wrap.ErrKeyUnavailable, k.md.KeyID, v)
	}
	if c := k.versions[v-1]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("%w: master key %s version %d: %w", wrap.ErrKeyUnavailable, k.md.KeyID, v, k.errs[v-1])
}

// String names the key; there is no key material to redact.
func (k *masterKey) String() string { return "pkcs11.masterKey(" + k.md.KeyID + ")" }

// clone copies k so a change can be made to the copy.
func (k *masterKey) clone() *masterKey {
	n := *k
	n.versions = append([]*hsmCipher(nil), k.versions...)
	n.errs = append([]error(nil), k.errs...)
	return &n
}

func (k *masterKey) doc() metaDoc {
	return metaDoc{Revision: k.revision, Serial: k.serial, KeyMetadata: k.md}
}

// addVersion appends version v to k: its cipher, or why it has none.
func (k *masterKey) addVersion(pl *pool, v uint32, h p11.ObjectHandle, err error) {
	if err != nil {
		k.versions = append(k.versions, nil)
		k.errs = append(k.errs, err)
		return
	}
	k.versions = append(k.versions, newHSMCipher(pl, k.id, k.md.KeyID, v, h, pl.gen.Load()))
	k.errs = append(k.errs, nil)
}

var _ keystore.MasterKey = (*masterKey)(nil)
