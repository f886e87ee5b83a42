package keyring

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Keyring is a master key store, safe for concurrent use.
type Keyring struct {
	*ring
}

// ring is the Keyring proper; its file's watcher refers to it and not to
// the Keyring, so an unreachable Keyring stops its watcher.
type ring struct {
	// mu serializes changes and reloads; Key, ListKeys and DefaultKey (once
	// there is a default key) read state without it.
	mu sync.Mutex
	// state is immutable once published: changes publish a new one, so
	// concurrent lookups share no written cache line.
	state atomic.Pointer[state]
	file  *fileStore // nil for a memory-only keyring
	now   func() time.Time
	watch *watcher
}

// state is one version of the keyring.
type state struct {
	keys      map[string]*masterKey
	order     []string // creation order
	defaultID string
}

func emptyState() *state { return &state{keys: map[string]*masterKey{}} }

func (s *state) clone() *state {
	return &state{keys: maps.Clone(s.keys), order: append([]string(nil), s.order...), defaultID: s.defaultID}
}

// New returns an empty memory-only keyring.
func New() *Keyring {
	r := &Keyring{&ring{now: time.Now}}
	r.state.Store(emptyState())
	return r
}

// Option configures Open, Seal and ChangePassphrase.
type Option func(*options)

type options struct {
	passphrase []byte
	params     Argon2Params
	limits     Argon2Params
	create     bool
	created    func(path string)
	reload     time.Duration
	reloaded   func(error)
	log        *slog.Logger
}

func newOptions(opts []Option) options {
	o := options{params: DefaultArgon2, limits: DefaultArgon2Limits, create: true, reload: DefaultReloadInterval, log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithPassphrase opens a sealed keyring, and seals a keyring file Open
// creates. An empty passphrase means none. A passphrase given for an
// unsealed file is an error (ErrNotSealed): Seal seals one.
func WithPassphrase(passphrase string) Option {
	return func(o *options) { o.passphrase = []byte(passphrase) }
}

// WithArgon2 sets the Argon2id costs of a new salt (a new sealed file,
// Seal, ChangePassphrase); an existing file keeps its own. They must be
// within the limits.
func WithArgon2(p Argon2Params) Option {
	return func(o *options) { o.params = p }
}

// WithArgon2Limits replaces DefaultArgon2Limits, the highest costs a file
// may ask for.
func WithArgon2Limits(max Argon2Params) Option {
	return func(o *options) { o.limits = max }
}

// WithoutCreate makes a missing file an error (wrapping fs.ErrNotExist)
// instead of an empty keyring that the first change creates.
func WithoutCreate() Option {
	return func(o *options) { o.create = false }
}

// WithCreated calls created(path) after a change of the keyring created
// its file. It runs under the keyring's locks, so it must not use the
// keyring.
func WithCreated(created func(path string)) Option {
	return func(o *options) { o.created = created }
}

// DefaultReloadInterval is how often an open file keyring checks its file
// for changes made by other processes.
const DefaultReloadInterval = 250 * time.Millisecond

// WithReload sets how often the keyring rereads its file for changes made
// by other processes (DefaultReloadInterval when not given); 0 turns the
// reload off, as for a keyring used by one short command.
func WithReload(every time.Duration) Option {
	return func(o *options) { o.reload = every }
}

// WithReloadEvents calls f after each reload that found the file changed:
// with nil when the new file was adopted, with the error when it was not
// (the keyring keeps its last good keys). Servers count them.
func WithReloadEvents(f func(err error)) Option {
	return func(o *options) { o.reloaded = f }
}

// WithLogger sets where the reload reports (slog.Default() when not
// given): each version of the file that fails to load, at level Error (the
// keyring keeps the last good keys), and each change loaded, at Info. No
// key material is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.log = l }
}

// Open loads the keyring file at path, or, when it does not exist (and
// WithoutCreate is not given), starts an empty keyring that the first
// change writes there (DefaultKey creates the first key). Every change
// takes the file's cross-process lock and applies to the file as it is
// then, so changes by several processes all persist.
//
// Unless WithReload turns it off, a goroutine rereads the file every
// DefaultReloadInterval, so the keyring follows changes made by other
// processes: Close stops it.
func Open(path string, opts ...Option) (*Keyring, error) {
	o := newOptions(opts)
	if err := checkParams(o.params, o.limits); err != nil {
		return nil, err
	}
	f := &fileStore{path: path, opts: o, passphrase: o.passphrase}
	st, err := f.load()
	if err != nil {
		return nil, err
	}
	r := &Keyring{&ring{file: f, now: time.Now}}
	r.state.Store(st)
	if o.reload > 0 {
		r.watch = startWatcher(r.ring, o.reload)
		runtime.AddCleanup(r, func(w *watcher) { w.stop() }, r.watch)
	}
	return r, nil
}

// Close stops the reload of a file keyring. The keyring still answers
// afterwards, from what it last loaded.
func (r *Keyring) Close() error {
	if r.watch != nil {
		r.watch.stop()
	}
	return nil
}

// Path is where a file-backed keyring lives ("" for memory-only).
func (r *Keyring) Path() string {
	if r.file == nil {
		return ""
	}
	return r.file.path
}

// Sealed reports whether the keyring's file is sealed with a passphrase
// (for a file not yet created: whether it will be). A memory-only keyring
// is not.
func (r *Keyring) Sealed() bool {
	if r.file == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.file.sealed
}

// change applies fn to the newest state and publishes the result. For a
// file keyring that is under the file's lock, on the file as it is now
// (reread, verified in full), and the result is written before it is
// published. fn returns its argument for no change.
func (r *ring) change(fn func(*state) (*state, error)) (*state, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file == nil {
		ns, err := fn(r.state.Load())
		if err != nil {
			return nil, err
		}
		r.state.Store(ns)
		return ns, nil
	}
	unlock, err := r.file.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	cur, err := r.file.load()
	if err != nil {
		return nil, err
	}
	r.state.Store(cur)
	ns, err := fn(cur)
	if err != nil || ns == cur {
		return ns, err
	}
	if err := r.file.save(ns); err != nil {
		return nil, err
	}
	r.state.Store(ns)
	return ns, nil
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

// notFound names the file, so a key missing from a mistaken keyring says
// which one.
func (r *ring) notFound(keyID string) error {
	if r.file != nil {
		return fmt.Errorf("keyring: %w: %s in %s", keystore.ErrKeyNotFound, keyID, r.file.path)
	}
	return fmt.Errorf("keyring: %w: %s", keystore.ErrKeyNotFound, keyID)
}

// Key implements keystore.KeyStore.
func (r *Keyring) Key(_ context.Context, keyID string) (keystore.MasterKey, error) {
	k, ok := r.state.Load().keys[keyID]
	if !ok {
		return nil, r.notFound(keyID)
	}
	return k, nil
}

// CreateKey implements keystore.KeyManager. The first key of a keyring
// becomes its default key.
func (r *Keyring) CreateKey(_ context.Context, params keystore.KeyParams) (keystore.KeyMetadata, error) {
	k, err := r.newKey(params)
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	id := k.md.KeyID
	_, err = r.change(func(st *state) (*state, error) {
		ns := st.clone()
		if ns.defaultID == "" {
			n := *k
			n.md.Default = true
			k, ns.defaultID = &n, id
		}
		ns.keys[id] = k
		ns.order = append(ns.order, id)
		return ns, nil
	})
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	return k.md, nil
}

// newKey makes a key with fresh material, not yet in the keyring.
func (r *ring) newKey(params keystore.KeyParams) (*masterKey, error) {
	spec, project := params.Spec, params.Project
	if project == "" {
		project = keystore.DefaultProject
	}
	if !keystore.ValidProject(project) {
		return nil, fmt.Errorf("keyring: project %q is not 1 to 64 of [0-9A-Za-z_-]", project)
	}
	size, alg, err := materialSize(spec)
	if err != nil {
		return nil, err
	}
	id := keystore.NewKeyID()
	material := make([]byte, size)
	_, _ = rand.Read(material) // crypto/rand.Read never fails
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
	return base.withVersion(material)
}

// ListKeys implements keystore.KeyManager, in creation order.
func (r *Keyring) ListKeys(context.Context) ([]keystore.KeyMetadata, error) {
	return r.state.Load().list(), nil
}

func (s *state) list() []keystore.KeyMetadata {
	out := make([]keystore.KeyMetadata, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.keys[id].md)
	}
	return out
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
		_, _ = rand.Read(material)
		return k.withVersion(material)
	})
}

// DefaultKey implements keystore.KeyManager: the first key created, made
// (AES_256, DefaultProject) and saved when the keyring has none. For a
// file, that check is made again under the file's lock, so processes
// starting on a new keyring at once all get the one key the first made.
func (r *Keyring) DefaultKey(ctx context.Context) (keystore.KeyMetadata, error) {
	if st := r.state.Load(); st.defaultID != "" {
		return st.keys[st.defaultID].md, nil
	}
	k, err := r.newKey(keystore.KeyParams{Spec: keystore.AES256})
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	k.md.Default = true
	st, err := r.change(func(st *state) (*state, error) {
		if st.defaultID != "" {
			return st, nil
		}
		ns := st.clone()
		ns.keys[k.md.KeyID] = k
		ns.order = append(ns.order, k.md.KeyID)
		ns.defaultID = k.md.KeyID
		return ns, nil
	})
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	return st.keys[st.defaultID].md, nil
}

func (r *Keyring) update(keyID string, f func(*masterKey) (*masterKey, error)) (keystore.KeyMetadata, error) {
	var md keystore.KeyMetadata
	_, err := r.change(func(st *state) (*state, error) {
		k, ok := st.keys[keyID]
		if !ok {
			return nil, r.notFound(keyID)
		}
		n, err := f(k)
		if err != nil {
			return nil, err
		}
		ns := st.clone()
		ns.keys[keyID] = n
		md = n.md
		return ns, nil
	})
	return md, err
}

var (
	_ keystore.KeyManager = (*Keyring)(nil)
	_ keystore.MasterKey  = (*masterKey)(nil)
)
