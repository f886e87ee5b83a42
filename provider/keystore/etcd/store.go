package etcd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// Store is a master key store in etcd, shared by every replica that opens
// the same prefix with the same KEK. It is safe for concurrent use; Close
// stops it.
type Store struct {
	cli                           *clientv3.Client
	opts                          options
	log                           *slog.Logger
	prefix, storePrefix, metaName string

	storeKey []byte
	keys     *storeKeys

	mu    sync.Mutex // serializes apply
	state atomic.Pointer[state]

	base    time.Time    // origin of the monotonic clock of now
	vouched atomic.Int64 // now() when the cache was last known current
	lost    atomic.Bool  // the staleness bound was passed (for the log)
	closed  atomic.Bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Option configures Open.
type Option func(*options)

type options struct {
	prefix    string
	staleness time.Duration
	heartbeat time.Duration
	timeout   time.Duration
	log       *slog.Logger
	params    Argon2Params
	limits    Argon2Params
	create    bool
}

// Defaults of the options.
const (
	// DefaultPrefix is the etcd key prefix of a store.
	DefaultPrefix = "/ecdkp/"
	// DefaultStaleness is how long a replica that cannot reach etcd keeps
	// answering from its cache.
	DefaultStaleness = 5 * time.Second
	// DefaultRequestTimeout bounds each etcd request.
	DefaultRequestTimeout = 2 * time.Second
)

// WithPrefix sets the etcd key prefix the store lives under
// (DefaultPrefix when not given). Several stores may share a cluster under
// different prefixes; none may be a prefix of another's.
func WithPrefix(prefix string) Option { return func(o *options) { o.prefix = prefix } }

// WithStaleness sets the staleness bound (DefaultStaleness when not
// given): a replica whose cache was last known to be current longer ago
// than this refuses every lookup with an error wrapping
// keystore.ErrUnavailable. The cache is checked against etcd every fifth of
// it (at most every 500 ms).
func WithStaleness(d time.Duration) Option { return func(o *options) { o.staleness = d } }

// WithRequestTimeout bounds each etcd request the store makes
// (DefaultRequestTimeout when not given).
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithLogger sets where the store reports (slog.Default() when not
// given): each record refused (Error), a record deleted in etcd and a
// staleness bound passed (Warn), the return in step (Info). No key
// material is logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithArgon2 sets the Argon2id costs of a new passphrase salt (a new store,
// ChangeKEK); an existing store keeps its own. They must be within the
// limits.
func WithArgon2(p Argon2Params) Option { return func(o *options) { o.params = p } }

// WithArgon2Limits replaces DefaultArgon2Limits, the highest costs a store
// record may ask for.
func WithArgon2Limits(max Argon2Params) Option { return func(o *options) { o.limits = max } }

// WithoutCreate makes Open fail with ErrNotInitialized when no store
// exists under the prefix, instead of creating one.
func WithoutCreate() Option { return func(o *options) { o.create = false } }

func newOptions(opts []Option) (options, error) {
	o := options{prefix: DefaultPrefix, staleness: DefaultStaleness, timeout: DefaultRequestTimeout,
		log: slog.Default(), params: DefaultArgon2, limits: DefaultArgon2Limits, create: true}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.prefix == "":
		return o, errors.New("etcd: the prefix is empty")
	case o.staleness <= 0:
		return o, fmt.Errorf("etcd: staleness bound %s is not positive", o.staleness)
	case o.timeout <= 0:
		return o, fmt.Errorf("etcd: request timeout %s is not positive", o.timeout)
	case !o.params.Valid():
		return o, fmt.Errorf("etcd: Argon2id time %d, memory %d KiB, threads %d are not valid", o.params.Time, o.params.MemoryKiB, o.params.Threads)
	case !o.params.Within(o.limits):
		return o, fmt.Errorf("%w: WithArgon2 asks for more than the limits", ErrKDFLimits)
	}
	o.heartbeat = max(min(o.staleness/5, 500*time.Millisecond), 10*time.Millisecond)
	return o, nil
}

// Open opens the store under the prefix through cli, creating it (a fresh
// store key sealed under kek) when the prefix holds none, unless
// WithoutCreate. It verifies the store record, loads every key record at
// one revision, and follows changes from there; cli stays the caller's to
// close, after Close.
func Open(ctx context.Context, cli *clientv3.Client, kek KEKSource, opts ...Option) (*Store, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if kek.kind == "" {
		return nil, errors.New("etcd: no KEK (Passphrase or KEKCipher)")
	}
	if kek.kind == kindPassphrase && len(kek.passphrase) == 0 {
		return nil, errors.New("etcd: the passphrase is empty")
	}
	s := &Store{cli: cli, opts: o, log: o.log, prefix: o.prefix, storePrefix: o.prefix + storeSuffix,
		metaName: o.prefix + metaSuffix, base: time.Now()}
	st := &state{entries: map[string]*entry{}, tombs: map[string]int64{}}
	st.derive(s.metaName, s.prefix+keysSuffix)
	s.state.Store(st)
	if s.storeKey, err = s.openMeta(ctx, kek); err != nil {
		return nil, err
	}
	s.keys = deriveStoreKeys(s.storeKey)
	sent := s.now()
	if _, err := s.load(ctx); err != nil {
		return nil, fmt.Errorf("etcd: loading the store under %s: %w", s.prefix, err)
	}
	if m := s.state.Load().meta; m == nil {
		return nil, fmt.Errorf("etcd: the store record %s vanished while opening", s.metaName)
	} else if m.err != nil {
		return nil, m.err
	}
	s.vouch(sent)
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(2)
	go s.watch(wctx)
	go s.heartbeat(wctx)
	return s, nil
}

// openMeta reads (or creates) the store record and opens its store key.
func (s *Store) openMeta(ctx context.Context, src KEKSource) ([]byte, error) {
	fail := func(err error) error { return &RecordError{Key: s.metaName, Err: err} }
	for range 3 {
		rctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
		resp, err := s.cli.Get(rctx, s.metaName)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("etcd: reading the store record %s: %w", s.metaName, err)
		}
		if len(resp.Kvs) == 0 {
			if !s.opts.create {
				return nil, fmt.Errorf("%w: %s", ErrNotInitialized, s.prefix)
			}
			key, ok, err := s.createMeta(ctx, src)
			if err != nil || ok {
				return key, err
			}
			continue // another replica created it first: open theirs
		}
		kv := resp.Kvs[0]
		m, err := parseMeta(kv.Value)
		if err != nil {
			return nil, fail(err)
		}
		k, err := resolve(src, m.KEK, s.opts.limits)
		if err != nil {
			return nil, fail(err)
		}
		key, err := openStoreKey(k, m.StoreKey, storeKeyAD(s.metaName, m.KEK))
		if err != nil {
			return nil, fail(err)
		}
		if _, err := deriveStoreKeys(key).decodeMeta(s.metaName, kv.Value, kv.Version, kv.CreateRevision); err != nil {
			clear(key)
			return nil, fail(err)
		}
		return key, nil
	}
	return nil, fmt.Errorf("etcd: the store record %s keeps changing while opening", s.metaName)
}

// createMeta makes a new store: a random store key sealed under src,
// written only if no store record exists yet.
func (s *Store) createMeta(ctx context.Context, src KEKSource) ([]byte, bool, error) {
	key := make([]byte, storeKeySize)
	_, _ = rand.Read(key)
	section := newKEKSection(src, s.opts.params)
	k, err := resolve(src, section, s.opts.limits)
	if err != nil {
		return nil, false, err
	}
	sealed, err := sealStoreKey(k, key, storeKeyAD(s.metaName, section))
	if err != nil {
		return nil, false, err
	}
	value := deriveStoreKeys(key).encode(s.metaName, metaJSON{Format: formatMeta, placement: next(0, 0), KEK: section, StoreKey: sealed})
	rctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
	defer cancel()
	resp, err := s.cli.Txn(rctx).
		If(clientv3.Compare(clientv3.CreateRevision(s.metaName), "=", 0)).
		Then(clientv3.OpPut(s.metaName, string(value))).
		Commit()
	if err != nil {
		return nil, false, fmt.Errorf("etcd: creating the store record %s: %w", s.metaName, err)
	}
	if !resp.Succeeded {
		return nil, false, nil
	}
	s.log.Info("etcd: created a new store", "prefix", s.prefix, "kek", src.String())
	return key, true, nil
}

// Close stops following etcd. Lookups fail afterwards (unavailable,
// ErrClosed); the client is the caller's to close.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel()
	s.wg.Wait()
	return nil
}

// Check implements keystore.Checker (a server's readiness): nil while the
// cache is within the staleness bound, else the error Key would return.
func (s *Store) Check(context.Context) error { return s.fresh() }

// Prefix is the etcd key prefix of the store.
func (s *Store) Prefix() string { return s.prefix }

// Revision is the etcd revision the cache is complete through.
func (s *Store) Revision() int64 { return s.state.Load().complete }

// Key implements keystore.KeyStore from the cache, with no etcd round
// trip. It fails wrapping keystore.ErrUnavailable past the staleness bound,
// wrapping ErrAltered (in a *RecordError) for a key whose record was
// refused, and wrapping keystore.ErrKeyNotFound for a key the store does
// not hold.
func (s *Store) Key(_ context.Context, keyID string) (keystore.MasterKey, error) {
	st := s.state.Load()
	if err := s.fresh(); err != nil {
		return nil, err
	}
	if k, ok := st.keys[keyID]; ok {
		return k, nil
	}
	if err, ok := st.refused[keyID]; ok {
		return nil, err
	}
	return nil, s.notFound(keyID)
}

func (s *Store) notFound(keyID string) error {
	return fmt.Errorf("etcd: %w: %s under %s", keystore.ErrKeyNotFound, keyID, s.prefix)
}

// ListKeys implements keystore.KeyManager from the cache, in creation
// order. Refused records make it fail (wrapping ErrAltered), naming them.
func (s *Store) ListKeys(context.Context) ([]keystore.KeyMetadata, error) {
	st := s.state.Load()
	if err := s.fresh(); err != nil {
		return nil, err
	}
	if len(st.refused) > 0 || st.meta == nil || st.meta.err != nil {
		var errs []error
		if st.meta == nil {
			errs = append(errs, fmt.Errorf("etcd: the store record %s was deleted", s.metaName))
		} else if st.meta.err != nil {
			errs = append(errs, st.meta.err)
		}
		for _, id := range slices.Sorted(maps.Keys(st.refused)) {
			errs = append(errs, st.refused[id])
		}
		return nil, errors.Join(errs...)
	}
	ks := make([]*masterKey, 0, len(st.keys))
	for _, k := range st.keys {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b *masterKey) int {
		if a.createRev != b.createRev {
			return int(a.createRev - b.createRev)
		}
		return strings.Compare(a.md.KeyID, b.md.KeyID)
	})
	out := make([]keystore.KeyMetadata, len(ks))
	for i, k := range ks {
		out[i] = k.md
	}
	return out, nil
}

// keyName is the etcd key of a key's record.
func (s *Store) keyName(keyID string) string { return s.prefix + keysSuffix + keyID }

// newKey makes a key with fresh material, not yet stored.
func (s *Store) newKey(params keystore.KeyParams) (*masterKey, error) {
	project := params.Project
	if project == "" {
		project = keystore.DefaultProject
	}
	if !keystore.ValidProject(project) {
		return nil, fmt.Errorf("etcd: project %q is not 1 to 64 of [0-9A-Za-z_-]", project)
	}
	size, alg, err := materialSize(params.Spec)
	if err != nil {
		return nil, err
	}
	id := keystore.NewKeyID()
	material := make([]byte, size)
	defer clear(material)
	_, _ = rand.Read(material) // crypto/rand.Read never fails
	base := &masterKey{id: id, alg: alg, md: keystore.KeyMetadata{
		KeyID:        keystore.FormatKeyID(id),
		Project:      project,
		KeySpec:      params.Spec,
		KeyUsage:     keystore.UsageEncryptDecrypt,
		KeyState:     keystore.KeyEnabled,
		Origin:       keystore.OriginKMS,
		CreationDate: time.Now().UTC().Truncate(time.Second),
	}}
	return base.withVersion(s.keys, material)
}

// CreateKey implements keystore.KeyManager: a transaction that creates the
// key's record only if absent. The store's first key becomes its default
// key, in the same transaction (conditional on the store record being
// unchanged). The key is in this replica's cache when CreateKey returns.
func (s *Store) CreateKey(ctx context.Context, params keystore.KeyParams) (keystore.KeyMetadata, error) {
	mk, err := s.newKey(params)
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	return s.create(ctx, mk, false)
}

// DefaultKey implements keystore.KeyManager: the default key, from the
// cache when it has it; otherwise an AES_256 key in DefaultProject is
// created as the default unless another replica makes one first.
func (s *Store) DefaultKey(ctx context.Context) (keystore.KeyMetadata, error) {
	if st := s.state.Load(); st.defaultID != "" && s.fresh() == nil {
		if k, ok := st.keys[st.defaultID]; ok {
			return k.md, nil
		}
	}
	mk, err := s.newKey(keystore.KeyParams{Spec: keystore.AES256})
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	return s.create(ctx, mk, true)
}

// readMeta reads and verifies the store record as etcd holds it now.
func (s *Store) readMeta(ctx context.Context) (*metaJSON, int64, int64, int64, error) {
	kv, err := s.read(ctx, s.metaName)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	if kv == nil {
		return nil, 0, 0, 0, fmt.Errorf("etcd: the store record %s was deleted", s.metaName)
	}
	m, err := s.keys.decodeMeta(s.metaName, kv.Value, kv.Version, kv.CreateRevision)
	if err != nil {
		return nil, 0, 0, 0, &RecordError{Key: s.metaName, Err: err}
	}
	return m, kv.ModRevision, kv.Version, kv.CreateRevision, nil
}

// read is a linearizable read of one record; nil when absent.
func (s *Store) read(ctx context.Context, name string) (*kvRead, error) {
	rctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
	defer cancel()
	resp, err := s.cli.Get(rctx, name)
	if err != nil {
		return nil, fmt.Errorf("etcd: reading %s: %w", name, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, nil
	}
	kv := resp.Kvs[0]
	return &kvRead{Value: kv.Value, ModRevision: kv.ModRevision, Version: kv.Version, CreateRevision: kv.CreateRevision}, nil
}

type kvRead struct {
	Value                                []byte
	ModRevision, Version, CreateRevision int64
}

// maxAttempts bounds the retries of a request to a failing member;
// maxConflicts the retries of a write that lost a race to another writer.
const (
	maxAttempts  = 8
	maxConflicts = 64
)

// conflicted waits before the retry of a write that lost a race: a random
// time, growing with the attempts, so writers racing for one record
// spread out. It fails when ctx ends.
func conflicted(ctx context.Context, attempt int) error {
	limit := min(5*time.Millisecond<<min(attempt, 6), 250*time.Millisecond)
	var b [8]byte
	_, _ = rand.Read(b[:])
	d := time.Duration(binary.LittleEndian.Uint64(b[:]) % uint64(limit))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// create stores a new key; asDefault: only when the store has no default
// key yet, and as that default (DefaultKey), else the default is returned.
func (s *Store) create(ctx context.Context, mk *masterKey, asDefault bool) (keystore.KeyMetadata, error) {
	id := mk.md.KeyID
	name := s.keyName(id)
	for attempt := range maxConflicts {
		if attempt > 0 {
			if err := conflicted(ctx, attempt); err != nil {
				return keystore.KeyMetadata{}, err
			}
		}
		m, metaRev, metaVer, metaCreated, err := s.readMeta(ctx)
		if err != nil {
			return keystore.KeyMetadata{}, err
		}
		if asDefault && m.DefaultKeyID != "" {
			return s.readKey(ctx, m.DefaultKeyID, true)
		}
		puts := []write{{name: name, value: s.keys.encodeKey(name, mk, next(0, 0)), p: next(0, 0)}}
		cmps := []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(name), "=", 0)}
		isDefault := m.DefaultKeyID == ""
		if isDefault {
			nm := *m
			nm.DefaultKeyID, nm.placement = id, next(metaVer, metaCreated)
			puts = append(puts, write{name: s.metaName, value: s.keys.encode(s.metaName, nm), p: nm.placement})
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(s.metaName), "=", metaRev))
		}
		ok, err := s.commit(ctx, cmps, puts)
		if err != nil {
			return keystore.KeyMetadata{}, err
		}
		if ok {
			md := mk.md
			md.Default = isDefault
			return md, nil
		}
	}
	return keystore.KeyMetadata{}, fmt.Errorf("etcd: creating key %s: the store kept changing under %d attempts", id, maxConflicts)
}

// readKey reads and verifies one key's record as etcd holds it now.
func (s *Store) readKey(ctx context.Context, keyID string, isDefault bool) (keystore.KeyMetadata, error) {
	name := s.keyName(keyID)
	kv, err := s.read(ctx, name)
	if err != nil {
		return keystore.KeyMetadata{}, err
	}
	if kv == nil {
		return keystore.KeyMetadata{}, s.notFound(keyID)
	}
	mk, err := s.keys.decodeKey(name, keyID, kv.Value, kv.Version, kv.CreateRevision)
	if err != nil {
		return keystore.KeyMetadata{}, &RecordError{Key: name, Err: err}
	}
	md := mk.md
	md.Default = isDefault
	return md, nil
}

// SetKeyState implements keystore.KeyManager: a compare-and-swap on the
// key's record, retried when another writer changed it first. Every
// replica applies it within a second (its watch), and refuses the key
// otherwise once its staleness bound has passed.
func (s *Store) SetKeyState(ctx context.Context, keyID string, st keystore.KeyState) (keystore.KeyMetadata, error) {
	if !st.Valid() {
		return keystore.KeyMetadata{}, fmt.Errorf("etcd: unknown key state %q", st)
	}
	return s.update(ctx, keyID, func(k *masterKey) (*masterKey, error) {
		if k.md.KeyState == st {
			return k, nil
		}
		n := *k
		n.md.KeyState = st
		return &n, nil
	})
}

// RotateKey implements keystore.KeyManager: a new version, appended by a
// compare-and-swap on the key's record.
func (s *Store) RotateKey(ctx context.Context, keyID string) (keystore.KeyMetadata, error) {
	return s.update(ctx, keyID, func(k *masterKey) (*masterKey, error) {
		size, _, err := materialSize(k.md.KeySpec)
		if err != nil {
			return nil, err
		}
		material := make([]byte, size)
		defer clear(material)
		_, _ = rand.Read(material)
		return k.withVersion(s.keys, material)
	})
}

// update applies f to the key's record as etcd holds it now, writing the
// result if the record is still the one read; f returns its argument for
// no change.
func (s *Store) update(ctx context.Context, keyID string, f func(*masterKey) (*masterKey, error)) (keystore.KeyMetadata, error) {
	name := s.keyName(keyID)
	isDefault := s.state.Load().defaultID == keyID
	for attempt := range maxConflicts {
		if attempt > 0 {
			if err := conflicted(ctx, attempt); err != nil {
				return keystore.KeyMetadata{}, err
			}
		}
		kv, err := s.read(ctx, name)
		if err != nil {
			return keystore.KeyMetadata{}, err
		}
		if kv == nil {
			return keystore.KeyMetadata{}, s.notFound(keyID)
		}
		mk, err := s.keys.decodeKey(name, keyID, kv.Value, kv.Version, kv.CreateRevision)
		if err != nil {
			return keystore.KeyMetadata{}, &RecordError{Key: name, Err: err}
		}
		n, err := f(mk)
		if err != nil {
			return keystore.KeyMetadata{}, err
		}
		md := n.md
		md.Default = isDefault
		if n == mk {
			return md, nil
		}
		p := next(kv.Version, kv.CreateRevision)
		ok, err := s.commit(ctx,
			[]clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(name), "=", kv.ModRevision)},
			[]write{{name: name, value: s.keys.encodeKey(name, n, p), p: p}})
		if err != nil {
			return keystore.KeyMetadata{}, err
		}
		if ok {
			return md, nil
		}
	}
	return keystore.KeyMetadata{}, fmt.Errorf("etcd: changing key %s: it kept changing under %d attempts", keyID, maxConflicts)
}

// ChangeKEK seals the store key under another KEK (a new passphrase, with
// a new salt; or a KEK cipher), by a compare-and-swap on the store record.
// Records need no rewriting: they are sealed under the store key, which
// does not change. Running replicas go on; a replica opened later needs the
// new KEK.
func (s *Store) ChangeKEK(ctx context.Context, to KEKSource) error {
	if to.kind == "" || to.kind == kindPassphrase && len(to.passphrase) == 0 {
		return errors.New("etcd: no new KEK")
	}
	section := newKEKSection(to, s.opts.params)
	k, err := resolve(to, section, s.opts.limits)
	if err != nil {
		return err
	}
	sealed, err := sealStoreKey(k, s.storeKey, storeKeyAD(s.metaName, section))
	if err != nil {
		return err
	}
	for attempt := range maxConflicts {
		if attempt > 0 {
			if err := conflicted(ctx, attempt); err != nil {
				return err
			}
		}
		m, rev, ver, created, err := s.readMeta(ctx)
		if err != nil {
			return err
		}
		nm := *m
		nm.KEK, nm.StoreKey, nm.placement = section, sealed, next(ver, created)
		ok, err := s.commit(ctx,
			[]clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(s.metaName), "=", rev)},
			[]write{{name: s.metaName, value: s.keys.encode(s.metaName, nm), p: nm.placement}})
		if err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("etcd: changing the KEK: the store record kept changing under %d attempts", maxConflicts)
}

// write is one record a transaction puts.
type write struct {
	name  string
	value []byte
	p     placement
}

// commit runs a transaction putting every write if every compare holds,
// and applies the writes to the cache once committed. ok is false when a
// compare failed (another writer came first). A request that fails without
// an answer may still have committed: the records are read back, and the
// transaction is retried only when they are not this one's, so a retried
// write is never reported lost and not applied twice (unless another
// writer changed the records in between: a rotation then adds one version
// more, see the package doc).
func (s *Store) commit(ctx context.Context, cmps []clientv3.Cmp, puts []write) (bool, error) {
	ops := make([]clientv3.Op, len(puts))
	for i, w := range puts {
		ops[i] = clientv3.OpPut(w.name, string(w.value))
	}
	ambiguous := false
	pause := 50 * time.Millisecond
	var lastErr error
	for range maxAttempts {
		rctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
		resp, err := s.cli.Txn(rctx).If(cmps...).Then(ops...).Commit()
		cancel()
		switch {
		case err == nil && resp.Succeeded:
			s.applyWritten(puts, resp.Header.Revision)
			return true, nil
		case err == nil:
			if ambiguous && s.readBack(ctx, puts) {
				return true, nil
			}
			return false, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
		ambiguous = true
		if s.readBack(ctx, puts) {
			return true, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
	return false, fmt.Errorf("etcd: writing %s: %w", puts[0].name, lastErr)
}

// readBack reports whether etcd holds exactly the writes (which carry
// random nonces and MACs, so no other writer's records are equal), and
// applies them to the cache if so.
func (s *Store) readBack(ctx context.Context, puts []write) bool {
	ops := make([]clientv3.Op, len(puts))
	for i, w := range puts {
		ops[i] = clientv3.OpGet(w.name)
	}
	rctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
	defer cancel()
	resp, err := s.cli.Txn(rctx).Then(ops...).Commit()
	if err != nil {
		return false
	}
	var obs []observation
	for i, r := range resp.Responses {
		kvs := r.GetResponseRange().GetKvs()
		if len(kvs) != 1 || !bytes.Equal(kvs[0].Value, puts[i].value) {
			return false
		}
		obs = append(obs, observe(kvs[0]))
	}
	s.apply(obs, 0, false)
	return true
}

// applyWritten applies the writes of a transaction committed at rev.
func (s *Store) applyWritten(puts []write, rev int64) {
	obs := make([]observation, len(puts))
	for i, w := range puts {
		created := w.p.Created
		if w.p.Generation == 1 {
			created = rev
		}
		obs[i] = observation{name: w.name, rev: rev, value: w.value, createRev: created, version: w.p.Generation}
	}
	s.apply(obs, 0, false)
}

var _ keystore.KeyManager = (*Store)(nil)
