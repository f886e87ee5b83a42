package keyring

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Keyring is a master key store, safe for concurrent use.
type Keyring struct {
	mu   sync.RWMutex
	keys map[string]*masterKey
	// view is an immutable copy of keys that Key reads without locking, so
	// concurrent requests share no written cache line; writers republish it.
	view      atomic.Pointer[map[string]*masterKey]
	order     []string
	defaultID string

	file *fileStore // nil for a memory-only keyring
	now  func() time.Time
}

// New returns an empty memory-only keyring.
func New() *Keyring {
	r := &Keyring{keys: map[string]*masterKey{}, now: time.Now}
	r.publish()
	return r
}

// publish makes the current keys visible to Key; callers hold mu (or own r).
func (r *Keyring) publish() {
	m := maps.Clone(r.keys)
	r.view.Store(&m)
}

// masterKey is an immutable snapshot of one key: mutations replace it, so
// Key hands it out without copying or locking.
type masterKey struct {
	md       keystore.KeyMetadata
	id       [16]byte
	alg      wrap.Algorithm
	material [][]byte // by version-1
	ciphers  []wrap.KeyCipher
}

func (k *masterKey) ID() [16]byte                   { return k.id }
func (k *masterKey) Algorithm() wrap.Algorithm      { return k.alg }
func (k *masterKey) CurrentVersion() uint32         { return k.md.CurrentVersion }
func (k *masterKey) Metadata() keystore.KeyMetadata { return k.md }

func (k *masterKey) Version(v uint32) (wrap.KeyCipher, error) {
	if v == 0 || int(v) > len(k.ciphers) {
		return nil, fmt.Errorf("%w: master key %s has no version %d", wrap.ErrKeyUnavailable, k.md.KeyID, v)
	}
	return k.ciphers[v-1], nil
}

// Format redacts key material whatever the fmt verb.
func (k masterKey) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "keyring.masterKey(%s, %d versions, material REDACTED)", k.md.KeyID, len(k.material))
}

// withVersion returns a copy of k with one more version of material.
func (k *masterKey) withVersion(material []byte) (*masterKey, error) {
	c, err := wrap.NewKeyCipher(k.alg, material)
	if err != nil {
		return nil, err
	}
	n := *k
	n.material = append(append([][]byte(nil), k.material...), material)
	n.ciphers = append(append([]wrap.KeyCipher(nil), k.ciphers...), c)
	n.md.CurrentVersion = uint32(len(n.ciphers))
	return &n, nil
}

func materialSize(spec keystore.MasterKeySpec) (int, wrap.Algorithm, error) {
	switch spec {
	case keystore.AES256:
		return 32, wrap.AES256GCM, nil
	case keystore.SM4:
		return 16, wrap.SM4GCM, nil
	}
	return 0, 0, fmt.Errorf("keyring: master key spec %q is not AES_256 or SM4", spec)
}

// Key implements keystore.KeyStore.
func (r *Keyring) Key(_ context.Context, keyID string) (keystore.MasterKey, error) {
	k, ok := (*r.view.Load())[keyID]
	if !ok {
		return nil, fmt.Errorf("keyring: %w: %s", keystore.ErrKeyNotFound, keyID)
	}
	return k, nil
}

// CreateKey implements keystore.KeyManager.
func (r *Keyring) CreateKey(_ context.Context, params keystore.KeyParams) (keystore.KeyMetadata, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.createLocked(params)
}

func (r *Keyring) createLocked(params keystore.KeyParams) (keystore.KeyMetadata, error) {
	spec, project := params.Spec, params.Project
	if project == "" {
		project = keystore.DefaultProject
	}
	if !keystore.ValidProject(project) {
		return keystore.KeyMetadata{}, fmt.Errorf("keyring: project %q is not 1 to 64 of [0-9A-Za-z_-]", project)
	}
	size, alg, err := materialSize(spec)
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	id := keystore.NewKeyID()
	material := make([]byte, size)
	if _, err := rand.Read(material); err != nil {
		return keystore.KeyMetadata{}, err
	}
	base := &masterKey{
		id:  id,
		alg: alg,
		md: keystore.KeyMetadata{
			KeyID:        keystore.FormatKeyID(id),
			Project:      project,
			KeySpec:      spec,
			KeyUsage:     keystore.UsageEncryptDecrypt,
			KeyState:     keystore.KeyEnabled,
			Origin:       keystore.OriginKMS,
			CreationDate: r.now().UTC().Truncate(time.Second),
		},
	}
	k, err := base.withVersion(material)
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	if r.defaultID == "" {
		k.md.Default = true
	}
	if err := r.commitLocked(func() {
		r.keys[k.md.KeyID] = k
		r.order = append(r.order, k.md.KeyID)
		if r.defaultID == "" {
			r.defaultID = k.md.KeyID
		}
	}); err != nil {
		return keystore.KeyMetadata{}, err
	}
	return k.md, nil
}

// ListKeys implements keystore.KeyManager, in creation order.
func (r *Keyring) ListKeys(context.Context) ([]keystore.KeyMetadata, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]keystore.KeyMetadata, 0, len(r.order))
	for _, id := range r.order {
		out = append(out, r.keys[id].md)
	}
	return out, nil
}

// SetKeyState implements keystore.KeyManager.
func (r *Keyring) SetKeyState(_ context.Context, keyID string, state keystore.KeyState) (keystore.KeyMetadata, error) {
	if !state.Valid() {
		return keystore.KeyMetadata{}, fmt.Errorf("keyring: unknown key state %q", state)
	}
	return r.update(keyID, func(k *masterKey) (*masterKey, error) {
		n := *k
		n.md.KeyState = state
		return &n, nil
	})
}

// RotateKey implements keystore.KeyManager.
func (r *Keyring) RotateKey(_ context.Context, keyID string) (keystore.KeyMetadata, error) {
	return r.update(keyID, func(k *masterKey) (*masterKey, error) {
		size, _, err := materialSize(k.md.KeySpec)
		if err != nil {
			return nil, err
		}
		material := make([]byte, size)
		if _, err := rand.Read(material); err != nil {
			return nil, err
		}
		return k.withVersion(material)
	})
}

// DefaultKey implements keystore.KeyManager: the first key created, made
// (AES_256) and saved when the keyring is empty.
func (r *Keyring) DefaultKey(context.Context) (keystore.KeyMetadata, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.defaultID != "" {
		return r.keys[r.defaultID].md, nil
	}
	return r.createLocked(keystore.KeyParams{Spec: keystore.AES256})
}

func (r *Keyring) update(keyID string, f func(*masterKey) (*masterKey, error)) (keystore.KeyMetadata, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.keys[keyID]
	if !ok {
		return keystore.KeyMetadata{}, fmt.Errorf("keyring: %w: %s", keystore.ErrKeyNotFound, keyID)
	}
	n, err := f(k)
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	if err := r.commitLocked(func() { r.keys[keyID] = n }); err != nil {
		return keystore.KeyMetadata{}, err
	}
	return n.md, nil
}

// commitLocked applies a change and persists it; when saving fails the
// change is rolled back, so memory and file agree.
func (r *Keyring) commitLocked(apply func()) error {
	if r.file == nil {
		apply()
		r.publish()
		return nil
	}
	saved := make(map[string]*masterKey, len(r.keys))
	for id, k := range r.keys {
		saved[id] = k
	}
	order, def := append([]string(nil), r.order...), r.defaultID
	apply()
	if err := r.file.save(r); err != nil {
		r.keys, r.order, r.defaultID = saved, order, def
		return err
	}
	r.publish()
	return nil
}

// ErrWrongPassphrase is returned by Open when the passphrase does not open
// the keyring's key material.
var ErrWrongPassphrase = errors.New("keyring: wrong passphrase, or the keyring file was altered")

var (
	_ keystore.KeyManager = (*Keyring)(nil)
	_ keystore.MasterKey  = (*masterKey)(nil)
)
