package etcd

import (
	"fmt"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// masterKey is an immutable snapshot of one key, as its record says:
// changes replace it, so Key hands it out without copying or locking.
type masterKey struct {
	md        keystore.KeyMetadata
	id        [16]byte
	alg       wrap.Algorithm
	ciphers   []wrap.KeyCipher // by version-1
	sealed    []string         // the record's sealed versions, rewritten as they are
	createRev int64            // etcd create revision: creation order
}

func (k *masterKey) ID() [16]byte                   { return k.id }
func (k *masterKey) Algorithm() wrap.Algorithm      { return k.alg }
func (k *masterKey) CurrentVersion() uint32         { return k.md.CurrentVersion }
func (k *masterKey) Metadata() keystore.KeyMetadata { return k.md }

// Version implements wrap.MasterKey.
func (k *masterKey) Version(v uint32) (wrap.KeyCipher, error) {
	if v == 0 || int(v) > len(k.ciphers) {
		return nil, fmt.Errorf("%w: master key %s has no version %d", wrap.ErrKeyUnavailable, k.md.KeyID, v)
	}
	return k.ciphers[v-1], nil
}

// Format redacts key material whatever the verb.
func (k *masterKey) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "etcd.masterKey(%s, %d versions, material REDACTED)", k.md.KeyID, len(k.ciphers))
}

// withVersion returns a copy of k with one more version of material,
// sealed under keys.
func (k *masterKey) withVersion(keys *storeKeys, material []byte) (*masterKey, error) {
	c, err := wrap.NewKeyCipher(k.alg, material)
	if err != nil {
		return nil, err
	}
	n := *k
	v := uint32(len(k.ciphers) + 1)
	n.sealed = append(append([]string(nil), k.sealed...), keys.sealMaterial(material, k.md.KeyID, v))
	n.ciphers = append(append([]wrap.KeyCipher(nil), k.ciphers...), c)
	n.md.CurrentVersion = v
	return &n, nil
}

// withDefault returns k marked as the store's default key.
func (k *masterKey) withDefault() *masterKey {
	n := *k
	n.md.Default = true
	return &n
}

func materialSize(spec keystore.MasterKeySpec) (int, wrap.Algorithm, error) {
	switch spec {
	case keystore.AES256:
		return 32, wrap.AES256GCM, nil
	case keystore.SM4:
		return 16, wrap.SM4GCM, nil
	}
	return 0, 0, fmt.Errorf("etcd: master key spec %q is not AES_256 or SM4", spec)
}

var _ keystore.MasterKey = (*masterKey)(nil)
