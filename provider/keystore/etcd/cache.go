package etcd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// The cache: every record under PREFIX/store/ decoded, in an immutable
// state published through an atomic pointer (lookups take no lock). Three
// feeds apply observations to it, under one mutex:
//
//   - the watch, from the revision the cache was loaded at;
//   - the heartbeat, a linearizable read every heartbeat interval of the
//     records changed since the revision the cache is complete through
//     (and the count of all of them, which reveals deletions);
//   - this replica's own writes, as soon as etcd commits them.
//
// Each observation is a fact "at revision R, record K was V (or gone)";
// one is applied only when R is newer than what the cache knows of K, so
// the feeds may overlap and arrive in any order. The heartbeat is also what
// vouches for the cache: when it succeeds, the cache held everything etcd
// held when the read was sent.

// entry is one record of the cache.
type entry struct {
	modRev, createRev, version int64
	key                        *masterKey // a key record that verified
	meta                       *metaJSON  // the store record that verified
	err                        error      // why the record is refused
}

// state is one version of the cache; immutable once published.
type state struct {
	// complete: every change up to this revision is applied.
	complete int64
	entries  map[string]*entry // by etcd key
	tombs    map[string]int64  // deleted etcd keys -> revision seen deleted

	// Derived from entries by derive.
	keys      map[string]*masterKey // usable keys by id
	refused   map[string]error      // refused key records by key id
	defaultID string
	meta      *entry // the store record's entry, nil if absent
}

func (s *state) clone() *state {
	return &state{complete: s.complete, entries: maps.Clone(s.entries), tombs: maps.Clone(s.tombs)}
}

func (s *state) known(name string) int64 {
	if e, ok := s.entries[name]; ok {
		return e.modRev
	}
	return s.tombs[name]
}

// observation is one record at one revision.
type observation struct {
	name      string
	rev       int64 // mod revision of a put, revision of a delete
	deleted   bool
	value     []byte
	createRev int64
	version   int64
}

func observe(kv *mvccpb.KeyValue) observation {
	return observation{name: string(kv.Key), rev: kv.ModRevision, value: kv.Value, createRev: kv.CreateRevision, version: kv.Version}
}

// decode verifies one record into its entry.
func (s *Store) decode(o observation) *entry {
	e := &entry{modRev: o.rev, createRev: o.createRev, version: o.version}
	switch {
	case o.name == s.metaName:
		e.meta, e.err = s.keys.decodeMeta(o.name, o.value, o.version, o.createRev)
	case keyIDOf(s.prefix, o.name) != "":
		e.key, e.err = s.keys.decodeKey(o.name, keyIDOf(s.prefix, o.name), o.value, o.version, o.createRev)
	default:
		e.err = fmt.Errorf("%w: no record of this store has this name", ErrAltered)
	}
	if e.err != nil {
		e.err = &RecordError{Key: o.name, Err: e.err}
		e.key, e.meta = nil, nil
	}
	return e
}

// apply applies observations and publishes the result. complete is the
// revision the cache is then complete through (0: unchanged). snapshot
// means obs is every record at revision complete, so records it lacks were
// deleted by then.
func (s *Store) apply(obs []observation, complete int64, snapshot bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.state.Load()
	ns := cur.clone()
	changed := false
	for _, o := range obs {
		if o.rev <= ns.known(o.name) {
			continue
		}
		changed = true
		if o.deleted {
			delete(ns.entries, o.name)
			ns.tombs[o.name] = o.rev
			s.log.Warn("etcd: a record of the store was deleted in etcd", "key", o.name, "revision", o.rev)
			continue
		}
		delete(ns.tombs, o.name)
		e := s.decode(o)
		if e.err != nil {
			s.log.Error("etcd: record refused, not used", "key", o.name, "mod_revision", o.rev, "err", e.err)
		}
		ns.entries[o.name] = e
	}
	if snapshot {
		present := make(map[string]bool, len(obs))
		for _, o := range obs {
			present[o.name] = true
		}
		for name, e := range ns.entries {
			if !present[name] && e.modRev <= complete {
				delete(ns.entries, name)
				ns.tombs[name] = complete
				changed = true
				s.log.Warn("etcd: a record of the store was deleted in etcd", "key", name, "revision", complete)
			}
		}
	}
	if complete > ns.complete {
		ns.complete = complete
		changed = true
	}
	if !changed {
		return
	}
	ns.derive(s.metaName, s.prefix+keysSuffix)
	s.state.Store(ns)
}

// derive fills in the lookup maps from the entries.
func (s *state) derive(metaName, keysPrefix string) {
	s.keys = make(map[string]*masterKey, len(s.entries))
	s.refused = map[string]error{}
	s.meta = s.entries[metaName]
	s.defaultID = ""
	if s.meta != nil && s.meta.meta != nil {
		s.defaultID = s.meta.meta.DefaultKeyID
	}
	for name, e := range s.entries {
		id, isKey := strings.CutPrefix(name, keysPrefix)
		switch {
		case e.key != nil:
			k := e.key
			if id == s.defaultID {
				k = k.withDefault()
			}
			s.keys[id] = k
		case isKey && e.err != nil:
			s.refused[id] = e.err
		}
	}
}

// load reads every record at the current revision (linearizable) and
// applies it as a snapshot. It returns the revision.
func (s *Store) load(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.timeout)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.storePrefix, clientv3.WithPrefix())
	if err != nil {
		return 0, err
	}
	obs := make([]observation, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		obs[i] = observe(kv)
	}
	s.apply(obs, resp.Header.Revision, true)
	return resp.Header.Revision, nil
}

// now is the store's monotonic clock.
func (s *Store) now() time.Duration { return time.Since(s.base) }

// vouch records that the cache held all of etcd as of at.
func (s *Store) vouch(at time.Duration) {
	for {
		cur := s.vouched.Load()
		if int64(at) <= cur || s.vouched.CompareAndSwap(cur, int64(at)) {
			break
		}
	}
	if s.lost.CompareAndSwap(true, false) {
		s.log.Info("etcd: back in step with etcd; keys are served again", "prefix", s.prefix)
	}
}

// fresh fails, wrapping keystore.ErrUnavailable, when the cache was last
// vouched for longer ago than the staleness bound.
func (s *Store) fresh() error {
	if s.closed.Load() {
		return fmt.Errorf("etcd: cannot vouch for key states (%w): %w", keystore.ErrUnavailable, ErrClosed)
	}
	age := s.now() - time.Duration(s.vouched.Load())
	if age <= s.opts.staleness {
		return nil
	}
	return fmt.Errorf("etcd: cannot vouch for key states (%w): last in step with etcd %s ago, more than the staleness bound of %s",
		keystore.ErrUnavailable, age.Round(time.Millisecond), s.opts.staleness)
}

// check is one heartbeat: a linearizable read of the records changed since
// the cache was complete, applied, then the cache vouched for as of the
// moment the read was sent. A count that does not match (a deletion)
// reloads everything.
func (s *Store) check(ctx context.Context) error {
	sent := s.now()
	from := s.state.Load().complete
	// An answer later than half the bound would vouch for too little.
	rctx, cancel := context.WithTimeout(ctx, min(s.opts.timeout, s.opts.staleness/2))
	resp, err := s.cli.Get(rctx, s.storePrefix, clientv3.WithPrefix(), clientv3.WithMinModRev(from+1))
	cancel()
	if err != nil {
		return err
	}
	obs := make([]observation, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		obs[i] = observe(kv)
	}
	s.apply(obs, 0, false)
	if int64(len(s.state.Load().entries)) != resp.Count {
		if _, err := s.load(ctx); err != nil {
			return err
		}
	} else {
		s.apply(nil, resp.Header.Revision, false)
	}
	s.vouch(sent)
	return nil
}

// heartbeat runs check every interval until ctx ends, logging when the
// store loses its staleness bound.
func (s *Store) heartbeat(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := s.check(ctx)
		if err == nil || ctx.Err() != nil {
			continue
		}
		if s.fresh() != nil && s.lost.CompareAndSwap(false, true) {
			s.log.Warn("etcd: out of step with etcd past the staleness bound; key lookups fail as unavailable until it answers again",
				"prefix", s.prefix, "staleness", s.opts.staleness, "err", err)
		}
	}
}

// watch follows the records from the revision the cache is complete
// through, restarting (after a full reload when etcd compacted that
// revision away) whenever the watch ends.
func (s *Store) watch(ctx context.Context) {
	defer s.wg.Done()
	pause := 50 * time.Millisecond
	for ctx.Err() == nil {
		from := s.state.Load().complete + 1
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		err := s.follow(wctx, from)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, rpctypes.ErrCompacted) {
			s.log.Warn("etcd: the watch's revision was compacted; reloading", "prefix", s.prefix, "revision", from)
			if _, err := s.load(ctx); err == nil {
				pause = 50 * time.Millisecond
				continue
			}
		} else if err != nil {
			s.log.Debug("etcd: watch ended; restarting", "prefix", s.prefix, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// follow applies one watch's events until it ends.
func (s *Store) follow(ctx context.Context, from int64) error {
	ch := s.cli.Watch(ctx, s.storePrefix, clientv3.WithPrefix(), clientv3.WithRev(from))
	for resp := range ch {
		if err := resp.Err(); err != nil {
			return err
		}
		if len(resp.Events) == 0 {
			continue
		}
		obs := make([]observation, len(resp.Events))
		var last int64
		for i, ev := range resp.Events {
			if ev.Type == clientv3.EventTypeDelete {
				obs[i] = observation{name: string(ev.Kv.Key), rev: ev.Kv.ModRevision, deleted: true}
			} else {
				obs[i] = observe(ev.Kv)
			}
			last = max(last, ev.Kv.ModRevision)
		}
		// Events arrive in revision order, so every change up to the last
		// one's revision is now known; the header's revision may be ahead
		// of events still to come when the watch catches up.
		s.apply(obs, last, false)
	}
	return ctx.Err()
}
