//go:build cgo

package pkcs11

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ecdkp/ecdkp/provider/keystore"
	p11 "github.com/miekg/pkcs11"
)

// Store is a master key store on a PKCS#11 token, safe for concurrent use.
// It implements keystore.KeyManager.
type Store struct {
	mod   *module
	slot  uint
	label string
	pool  *pool
	now   func() time.Time

	mu         sync.RWMutex
	closed     bool
	keys       map[string]*masterKey
	order      []string // by serial
	defaultID  string
	nextSerial uint64

	// stop ends the refresh loop, which closes stopped when it returns.
	stop, stopped chan struct{}
}

// Open loads the module, finds the token, checks it offers CKM_AES_KEY_GEN
// and CKM_AES_GCM, opens the session pool, logs in and loads the keys.
// Close it when done.
func Open(cfg Config) (*Store, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	mod, err := acquireModule(cfg.Module)
	if err != nil {
		return nil, err
	}
	s := &Store{mod: mod, label: cfg.TokenLabel, now: time.Now, keys: map[string]*masterKey{}, nextSerial: 1}
	if s.slot, err = mod.findToken(cfg.TokenLabel); err != nil {
		mod.release()
		return nil, err
	}
	if err := mod.checkMechanisms(s.slot, s.label); err != nil {
		mod.release()
		return nil, err
	}
	loggedIn := false
	s.pool, err = openPool(mod.ctx, s.slot, s.label, cfg.PIN, cfg.Sessions, func(sh p11.SessionHandle) error {
		if err := mod.login(s.slot, sh, s.label, cfg.PIN); err != nil {
			return err
		}
		loggedIn = true
		return nil
	})
	if err != nil {
		if loggedIn {
			mod.logout(s.slot)
		}
		mod.release()
		return nil, err
	}
	s.stop, s.stopped = make(chan struct{}), make(chan struct{})
	if err := s.load(); err != nil {
		close(s.stopped)
		s.Close()
		return nil, err
	}
	if cfg.Refresh > 0 {
		go s.follow(cfg.Refresh)
	} else {
		close(s.stopped)
	}
	return s, nil
}

// Close returns the sessions, waiting for calls in flight, and unloads
// the module when no other Store uses it. Master keys handed out before
// fail with ErrClosed afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.stopped
	s.pool.close()
	s.mod.logout(s.slot)
	s.mod.release()
	return nil
}

// TokenLabel is the label of the token the store uses.
func (s *Store) TokenLabel() string { return s.label }

// newest picks each key's metadata object of the highest revision (older
// ones are left by an interrupted change and removed by the next one), and
// names the keys whose highest revision is held by two objects (two
// processes changed the key at once).
func newest(metas []loadedMeta) (best map[string]*loadedMeta, tied map[string]bool) {
	best, tied = map[string]*loadedMeta{}, map[string]bool{}
	for i := range metas {
		m := &metas[i]
		id := m.doc.KeyID
		switch cur, ok := best[id]; {
		case !ok || m.doc.Revision > cur.doc.Revision:
			best[id] = m
			delete(tied, id)
		case m.doc.Revision == cur.doc.Revision:
			tied[id] = true
		}
	}
	return best, tied
}

// sortOrder sorts the keys by serial (then creation, then id).
func (s *Store) sortOrder() {
	slices.SortFunc(s.order, func(a, b string) int {
		ka, kb := s.keys[a], s.keys[b]
		return cmp.Or(cmp.Compare(ka.serial, kb.serial), ka.md.CreationDate.Compare(kb.md.CreationDate), cmp.Compare(a, b))
	})
}

// load reads every key of the application from the token.
func (s *Store) load() error {
	return s.pool.with(context.Background(), func(sh p11.SessionHandle) error {
		metas, err := readMeta(s.mod.ctx, sh)
		if err != nil {
			return err
		}
		best, tied := newest(metas)
		for id := range tied {
			return fmt.Errorf("%w: two metadata objects of key %s have revision %d", ErrCorruptObject, id, best[id].doc.Revision)
		}
		for id, m := range best {
			k, err := s.loadKey(sh, m)
			if err != nil {
				return err
			}
			s.keys[id] = k
			s.order = append(s.order, id)
			s.nextSerial = max(s.nextSerial, k.serial+1)
		}
		s.sortOrder()
		// The default key is the first one flagged so; others lose it.
		for _, id := range s.order {
			k := s.keys[id]
			if k.md.Default && s.defaultID == "" {
				s.defaultID = id
			} else {
				k.md.Default = false
			}
		}
		return nil
	})
}

// loadKey makes the key of metadata m, finding each version's object.
func (s *Store) loadKey(sh p11.SessionHandle, m *loadedMeta) (*masterKey, error) {
	k := &masterKey{md: m.doc.KeyMetadata, id: m.id, serial: m.doc.Serial, revision: m.doc.Revision}
	k.md.Origin = keystore.OriginHSM
	for v := uint32(1); v <= k.md.CurrentVersion; v++ {
		h, err := findVersion(s.mod.ctx, sh, k.id, k.md.KeyID, v)
		if code, ok := returnCode(err); ok && !isObjectProblem(code) {
			return nil, err // the token failed, not the object
		}
		k.addVersion(s.pool, v, h, err)
	}
	return k, nil
}

// reread returns key k as the token holds it now, with its metadata
// objects: another process (`ecdkp keys rotate` beside a running server)
// may have changed it since this store loaded it, and a change made on
// the old copy would drop the versions made since (a rotation would even
// destroy one as unreferenced, and every envelope sealed under it).
func (s *Store) reread(sh p11.SessionHandle, k *masterKey) (*masterKey, []loadedMeta, error) {
	metas, err := readMetaOf(s.mod.ctx, sh, metaTemplate(k.md.KeyID))
	if err != nil {
		return nil, nil, err
	}
	newestOf, tied := newest(metas)
	best := newestOf[k.md.KeyID]
	if tied[k.md.KeyID] {
		return nil, nil, fmt.Errorf("%w: two metadata objects of key %s have revision %d (two processes changed it at once?)", ErrCorruptObject, k.md.KeyID, best.doc.Revision)
	}
	switch {
	case best == nil:
		return nil, nil, fmt.Errorf("%w: key %s has no metadata object on token %q any more", ErrCorruptObject, k.md.KeyID, s.label)
	case best.doc.Revision < k.revision:
		return nil, nil, fmt.Errorf("%w: key %s is at revision %d on token %q, older than the %d this store wrote", ErrCorruptObject, k.md.KeyID, best.doc.Revision, s.label, k.revision)
	case best.doc.Revision == k.revision:
		return k, metas, nil
	}
	n, err := s.loadKey(sh, best)
	if err != nil {
		return nil, nil, err
	}
	n.md.Default = k.md.Default // the store's choice among flagged keys (load)
	return n, metas, nil
}

// follow rereads the token every period until Close.
func (s *Store) follow(period time.Duration) {
	defer close(s.stopped)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(period, time.Second))
		// A failing token is answered by the calls that use it; the next
		// tick tries again.
		_ = s.refresh(ctx)
		cancel()
	}
}

// refresh brings the store up to the token: a key another process created
// is added, and a key another process changed (a higher revision: a
// rotation, a state) replaces this store's copy. Nothing is ever dropped:
// a key whose metadata is gone, or has two objects of one revision (two
// processes changing it at once), is kept as it was.
func (s *Store) refresh(ctx context.Context) error {
	s.mu.RLock()
	known := make(map[string]uint64, len(s.keys))
	for id, k := range s.keys {
		known[id] = k.revision
	}
	s.mu.RUnlock()
	var loaded []*masterKey
	err := s.pool.with(ctx, func(sh p11.SessionHandle) error {
		metas, err := readMeta(s.mod.ctx, sh)
		if err != nil {
			return err
		}
		best, tied := newest(metas)
		for id, m := range best {
			if rev, ok := known[id]; tied[id] || ok && m.doc.Revision <= rev {
				continue
			}
			k, err := s.loadKey(sh, m)
			if err != nil {
				return err
			}
			loaded = append(loaded, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	added := false
	for _, k := range loaded {
		id := k.md.KeyID
		cur, ok := s.keys[id]
		switch {
		case ok && cur.revision >= k.revision:
			continue // changed here meanwhile, on top of the token's
		case ok:
			k.md.Default = cur.md.Default // the store's choice among flagged keys (load)
		case k.md.Default && s.defaultID == "":
			s.defaultID = id
		default:
			k.md.Default = false
		}
		if !ok {
			s.order = append(s.order, id)
			s.nextSerial = max(s.nextSerial, k.serial+1)
			added = true
		}
		s.keys[id] = k
	}
	if added {
		s.sortOrder()
	}
	return nil
}

// isObjectProblem lists return codes that mean one object is unusable
// rather than the token failing.
func isObjectProblem(code uint) bool {
	switch code {
	case p11.CKR_OBJECT_HANDLE_INVALID, p11.CKR_ATTRIBUTE_TYPE_INVALID, p11.CKR_ATTRIBUTE_SENSITIVE:
		return true
	}
	return false
}

// Key implements keystore.KeyStore.
func (s *Store) Key(_ context.Context, keyID string) (keystore.MasterKey, error) {
	s.mu.RLock()
	k, ok := s.keys[keyID]
	closed := s.closed
	s.mu.RUnlock()
	switch {
	case closed:
		return nil, ErrClosed
	case !ok:
		return nil, fmt.Errorf("pkcs11: %w: %s is not on token %q", keystore.ErrKeyNotFound, keyID, s.label)
	}
	return k, nil
}

// CreateKey implements keystore.KeyManager: an AES_256 key generated in
// the token. SM4 fails with ErrUnsupportedSpec.
func (s *Store) CreateKey(ctx context.Context, params keystore.KeyParams) (keystore.KeyMetadata, error) {
	if err := checkSpec(params.Spec, s.label); err != nil {
		return keystore.KeyMetadata{}, err
	}
	project := params.Project
	if project == "" {
		project = keystore.DefaultProject
	}
	if !keystore.ValidProject(project) {
		return keystore.KeyMetadata{}, fmt.Errorf("pkcs11: project %q is not 1 to 64 of [0-9A-Za-z_-]", project)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(ctx); err != nil {
		return keystore.KeyMetadata{}, err
	}
	return s.createLocked(ctx, project)
}

func checkSpec(spec keystore.MasterKeySpec, label string) error {
	switch spec {
	case keystore.AES256:
		return nil
	case keystore.SM4:
		return fmt.Errorf("%w: SM4 is not supported by token %q: PKCS#11 defines no CKM_SM4 mechanisms (vendors use private codes and SoftHSM2 has none), so this store holds %s master keys only", ErrUnsupportedSpec, label, keystore.AES256)
	}
	return fmt.Errorf("%w: %q is not %s", ErrUnsupportedSpec, spec, keystore.AES256)
}

func (s *Store) usableLocked(ctx context.Context) error {
	if s.closed {
		return ErrClosed
	}
	return ctx.Err()
}

func (s *Store) createLocked(ctx context.Context, project string) (keystore.KeyMetadata, error) {
	id := keystore.NewKeyID()
	keyID := keystore.FormatKeyID(id)
	k := &masterKey{
		id:       id,
		serial:   s.nextSerial,
		revision: 1,
		md: keystore.KeyMetadata{
			KeyID:          keyID,
			Project:        project,
			KeySpec:        keystore.AES256,
			KeyUsage:       keystore.UsageEncryptDecrypt,
			KeyState:       keystore.KeyEnabled,
			Origin:         keystore.OriginHSM,
			CreationDate:   s.now().UTC().Truncate(time.Second),
			CurrentVersion: 1,
			Default:        s.defaultID == "",
		},
	}
	err := s.pool.with(ctx, func(sh p11.SessionHandle) error {
		kh, err := generateVersion(s.mod.ctx, sh, id, keyID, 1)
		if err != nil {
			return err
		}
		if _, err := createMeta(s.mod.ctx, sh, k.doc()); err != nil {
			_ = s.mod.ctx.DestroyObject(sh, kh)
			return err
		}
		k.addVersion(s.pool, 1, kh, nil)
		return nil
	})
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	s.keys[keyID] = k
	s.order = append(s.order, keyID)
	s.nextSerial++
	if s.defaultID == "" {
		s.defaultID = keyID
	}
	return k.md, nil
}

// ListKeys implements keystore.KeyManager, in creation order.
func (s *Store) ListKeys(context.Context) ([]keystore.KeyMetadata, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := make([]keystore.KeyMetadata, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.keys[id].md)
	}
	return out, nil
}

// SetKeyState implements keystore.KeyManager.
func (s *Store) SetKeyState(ctx context.Context, keyID string, state keystore.KeyState) (keystore.KeyMetadata, error) {
	if !state.Valid() {
		return keystore.KeyMetadata{}, fmt.Errorf("pkcs11: unknown key state %q", state)
	}
	return s.update(ctx, keyID, func(sh p11.SessionHandle, n *masterKey) (func(), error) {
		n.md.KeyState = state
		return nil, nil
	})
}

// RotateKey implements keystore.KeyManager: a new AES-256 version is
// generated in the token; older versions stay and keep opening their
// envelopes.
func (s *Store) RotateKey(ctx context.Context, keyID string) (keystore.KeyMetadata, error) {
	return s.update(ctx, keyID, func(sh p11.SessionHandle, n *masterKey) (func(), error) {
		v := n.md.CurrentVersion + 1
		kh, err := generateVersion(s.mod.ctx, sh, n.id, keyID, v)
		if err != nil {
			return nil, err
		}
		n.md.CurrentVersion = v
		n.addVersion(s.pool, v, kh, nil)
		return func() { _ = s.mod.ctx.DestroyObject(sh, kh) }, nil
	})
}

// DefaultKey implements keystore.KeyManager: the first key created, made
// (AES_256) when the token holds none.
func (s *Store) DefaultKey(ctx context.Context) (keystore.KeyMetadata, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return keystore.KeyMetadata{}, ErrClosed
	}
	if s.defaultID != "" {
		return s.keys[s.defaultID].md, nil
	}
	if err := ctx.Err(); err != nil {
		return keystore.KeyMetadata{}, err
	}
	return s.createLocked(ctx, keystore.DefaultProject)
}

// update changes a copy of a key with f, writes its metadata as a new
// revision, destroys the older metadata objects and swaps the copy in.
// The copy is of the key as the token holds it now (reread), so a change
// another process made since Open is kept. When writing fails, f's undo
// runs and the key is left as it was.
func (s *Store) update(ctx context.Context, keyID string, f func(p11.SessionHandle, *masterKey) (undo func(), err error)) (keystore.KeyMetadata, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(ctx); err != nil {
		return keystore.KeyMetadata{}, err
	}
	k, ok := s.keys[keyID]
	if !ok {
		return keystore.KeyMetadata{}, fmt.Errorf("pkcs11: %w: %s is not on token %q", keystore.ErrKeyNotFound, keyID, s.label)
	}
	var n *masterKey
	err := s.pool.with(ctx, func(sh p11.SessionHandle) error {
		cur, olds, err := s.reread(sh, k)
		if err != nil {
			return err
		}
		n = cur.clone()
		n.revision++
		undo, err := f(sh, n)
		if err != nil {
			return err
		}
		if _, err := createMeta(s.mod.ctx, sh, n.doc()); err != nil {
			if undo != nil {
				undo()
			}
			return err
		}
		// The new revision is committed. The older metadata objects are
		// removed on a best-effort basis: any left lose to the new
		// revision at Open and are removed by the next change.
		for _, old := range olds {
			_ = s.mod.ctx.DestroyObject(sh, old.h)
		}
		return nil
	})
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	s.keys[keyID] = n
	return n.md, nil
}

var _ keystore.KeyManager = (*Store)(nil)
