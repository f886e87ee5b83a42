package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// A replica is what one `ecdkp serve` of a fleet holds: its own etcd
// client, the store, the shared replay window and a provider over both.
type replica struct {
	name string
	s    *Store
	w    *ReplayWindow
	p    *provider.Provider
}

func newReplica(t testing.TB, name string, eps []string, prefix string, kek KEKSource, opts ...Option) *replica {
	t.Helper()
	cli := dialT(t, eps)
	s := openT(t, cli, prefix, kek, opts...)
	w, err := NewReplayWindow(cli, prefix, provider.DefaultReplayWindow)
	require.NoError(t, err)
	p, err := provider.New(s, provider.WithReplayWindow(w))
	require.NoError(t, err)
	return &replica{name: name, s: s, w: w, p: p}
}

func newSequence() string { return keystore.FormatKeyID(keystore.NewKeyID()) }

// sealed is a ciphertext made during a test and the plaintext it must
// decrypt to at the end.
type sealed struct {
	keyID, cipherText, plainText string
}

// ledger collects the ciphertexts of a test.
type ledger struct {
	mu  sync.Mutex
	all []sealed
}

func (l *ledger) add(keyID string, r *provider.CreateEcDatakeyPairResponse) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, sealed{keyID, r.PrivateKeyCipherText, r.PrivateKeyPlainText})
}

// decryptAll checks that r decrypts every ciphertext of the ledger: no
// master key version was lost.
func (l *ledger) decryptAll(t *testing.T, r *replica) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	bad := 0
	for _, s := range l.all {
		d, err := r.p.DecryptDatakeyPair(context.Background(), &provider.DecryptDatakeyPairRequest{CipherText: s.cipherText})
		if err != nil || d.PrivateKeyPlainText != s.plainText {
			bad++
			if bad < 4 {
				t.Errorf("replica %s: a ciphertext under %s does not decrypt: %v", r.name, s.keyID, err)
			}
		}
	}
	assert.Zero(t, bad, "replica %s: ciphertexts of %d that do not decrypt", r.name, len(l.all))
}

func create(r *replica, keyID, seq string) (*provider.CreateEcDatakeyPairResponse, error) {
	return r.p.CreateEcDatakeyPair(context.Background(), &provider.CreateEcDatakeyPairRequest{
		KeyID: keyID, KeySpec: "ECC_NIST_P256", Sequence: seq,
	})
}

// TestFleetPropagation: a change written through one replica is in force
// on the others within a second: a disable, a new key, a rotation.
func TestFleetPropagation(t *testing.T) {
	c := sharedCluster(t)
	prefix, kek := testPrefix(t), testKEK(t)
	a := newReplica(t, "a", c.Endpoints(0, 1), prefix, kek)
	b := newReplica(t, "b", c.Endpoints(1, 2), prefix, kek)
	cc := newReplica(t, "c", c.Endpoints(2), prefix, kek)
	ctx := context.Background()

	md, err := a.s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	for _, r := range []*replica{b, cc} {
		took, ok := eventually(waitFor, func() bool { _, err := create(r, md.KeyID, ""); return err == nil })
		assert.True(t, ok, "a new key is used on %s within a second (took %s)", r.name, took)
	}

	_, err = a.s.SetKeyState(ctx, md.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	_, err = create(a, md.KeyID, "")
	assert.Equal(t, provider.FailKeyDisabled, failure(err), "the writer refuses it at once")
	for _, r := range []*replica{b, cc} {
		took, ok := eventually(waitFor, func() bool {
			_, err := create(r, md.KeyID, "")
			return failure(err) == provider.FailKeyDisabled
		})
		assert.True(t, ok, "a disable through a is refused on %s within a second (took %s)", r.name, took)
		t.Logf("disable in force on %s after %s", r.name, took)
	}

	_, err = b.s.SetKeyState(ctx, md.KeyID, keystore.KeyEnabled)
	require.NoError(t, err)
	_, err = b.s.RotateKey(ctx, md.KeyID)
	require.NoError(t, err)
	var resp *provider.CreateEcDatakeyPairResponse
	took, ok := eventually(waitFor, func() bool {
		resp, err = create(a, md.KeyID, "")
		return err == nil && resp.PrivateKeyCipherText != ""
	})
	require.True(t, ok, "enabled again on a (took %s)", took)
	for _, r := range []*replica{b, cc} {
		_, ok := eventually(waitFor, func() bool {
			mk, err := r.s.Key(ctx, md.KeyID)
			return err == nil && mk.CurrentVersion() == 2
		})
		assert.True(t, ok, "the rotation reached %s", r.name)
		d, err := r.p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
		require.NoError(t, err, r.name)
		assert.Equal(t, resp.PrivateKeyPlainText, d.PrivateKeyPlainText)
	}
}

// TestMemberKilled: the etcd leader is killed while three replicas take
// load (creates with a sequence, each one etcd transaction, and key
// rotations and creations): no request fails, and every ciphertext made
// decrypts on every replica at the end.
func TestMemberKilled(t *testing.T) {
	c := startCluster(t, 3)
	prefix, kek := testPrefix(t), testKEK(t)
	var rs []*replica
	for i := range 3 {
		rs = append(rs, newReplica(t, fmt.Sprint(i), c.Endpoints(), prefix, kek))
	}
	ctx := context.Background()
	var keys []string
	for range 2 {
		md, err := rs[0].s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		require.NoError(t, err)
		keys = append(keys, md.KeyID)
	}
	for _, r := range rs { // a new key reaches the replicas within a second
		_, ok := eventually(waitFor, func() bool { _, err := r.s.Key(ctx, keys[1]); return err == nil })
		require.True(t, ok)
	}
	var (
		l        ledger
		requests atomic.Int64
		failed   atomic.Int64
		errMu    sync.Mutex
		errs     []string
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	fail := func(what string, err error) {
		failed.Add(1)
		errMu.Lock()
		defer errMu.Unlock()
		if len(errs) < 5 {
			errs = append(errs, fmt.Sprintf("%s: %v (cause: %v)", what, err, errors.Unwrap(err)))
		}
	}
	for g := range 6 {
		r := rs[g%len(rs)]
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := keys[(g+i)%len(keys)]
				requests.Add(1)
				resp, err := create(r, key, newSequence())
				if err != nil {
					fail("create on replica "+r.name, err)
					continue
				}
				if i%4 == 0 {
					l.add(key, resp)
				}
			}
		})
	}
	wg.Go(func() { // management through the replicas
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			r := rs[i%len(rs)]
			requests.Add(1)
			if i%3 == 2 {
				if _, err := r.s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4}); err != nil {
					fail("create key", err)
				}
			} else if _, err := r.s.RotateKey(ctx, keys[0]); err != nil {
				fail("rotate", err)
			}
		}
	})
	time.Sleep(time.Second)
	before := requests.Load()
	leader := c.Leader(t)
	require.GreaterOrEqual(t, leader, 0)
	c.Kill(leader)
	t.Logf("killed the leader, member %d, after %d requests", leader, before)
	time.Sleep(2500 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("%d requests, %d failed; %d ciphertexts kept", requests.Load(), failed.Load(), len(l.all))
	assert.Zero(t, failed.Load(), "failed requests: %v", errs)
	assert.Greater(t, requests.Load(), before+20, "load went on after the kill")

	// Every replica ends with every version, and decrypts everything.
	want, err := rs[0].s.readKey(ctx, keys[0], false)
	require.NoError(t, err)
	for _, r := range rs {
		_, ok := eventually(waitFor, func() bool {
			mk, err := r.s.Key(ctx, keys[0])
			return err == nil && mk.CurrentVersion() == want.CurrentVersion
		})
		assert.True(t, ok, "replica %s has version %d", r.name, want.CurrentVersion)
		l.decryptAll(t, r)
	}
	late := newReplica(t, "late", c.Endpoints(), prefix, kek)
	l.decryptAll(t, late)
}

// outcome is one request made while etcd was (partly) away.
type outcome struct {
	at  time.Time
	err error
}

// probe creates under key through r every 20 ms until until, recording
// when each request started and how it ended.
func probe(r *replica, key, seq string, until time.Time) []outcome {
	var out []outcome
	for time.Now().Before(until) {
		at := time.Now()
		s := seq
		if s == "-" {
			s = newSequence()
		}
		_, err := create(r, key, s)
		out = append(out, outcome{at, err})
		time.Sleep(20 * time.Millisecond)
	}
	return out
}

// checkCutOff asserts what a replica cut off from etcd at cut may answer:
// a success only for a request started within the staleness bound of the
// cut, and nothing but unavailable after it. It returns how many
// requests succeeded and failed as unavailable.
func checkCutOff(t *testing.T, name string, out []outcome, cut time.Time, staleness time.Duration, allowSuccess bool) {
	t.Helper()
	var ok, unavailable int
	for _, o := range out {
		switch {
		case o.err == nil:
			ok++
			assert.True(t, allowSuccess, "%s: a success while a success was wrong", name)
			assert.False(t, o.at.After(cut.Add(staleness)), "%s: a success %s after the cut, past the staleness bound %s", name, o.at.Sub(cut), staleness)
		case failure(o.err) == provider.FailUnavailable:
			unavailable++
		default:
			t.Errorf("%s: %s after the cut: %v, want success or unavailable", name, o.at.Sub(cut), o.err)
		}
		if o.at.After(cut.Add(staleness + 200*time.Millisecond)) {
			assert.Equal(t, provider.FailUnavailable, failure(o.err), "%s: %s after the cut", name, o.at.Sub(cut))
		}
	}
	assert.Positive(t, unavailable, name)
	t.Logf("%s: %d successes, %d unavailable after the cut", name, ok, unavailable)
}

// TestPartition: replica a reaches etcd only through member 0, which dies;
// b (on the other members) disables the key meanwhile. a answers from its
// cache no longer than the staleness bound, then only unavailable; when
// member 0 is back, a refuses the key as disabled.
func TestPartition(t *testing.T) {
	c := startCluster(t, 3)
	prefix, kek := testPrefix(t), testKEK(t)
	const staleness = 1500 * time.Millisecond
	a := newReplica(t, "a", c.Endpoints(0), prefix, kek, WithStaleness(staleness))
	b := newReplica(t, "b", c.Endpoints(1, 2), prefix, kek, WithStaleness(staleness))
	ctx := context.Background()
	md, err := b.s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	_, ok := eventually(waitFor, func() bool { _, err := create(a, md.KeyID, ""); return err == nil })
	require.True(t, ok)

	c.Kill(0)
	cut := time.Now()
	_, err = b.s.SetKeyState(ctx, md.KeyID, keystore.KeyDisabled)
	require.NoError(t, err, "the cluster has a quorum without member 0")
	out := probe(a, md.KeyID, "", cut.Add(staleness+time.Second))
	checkCutOff(t, "a", out, cut, staleness, true)
	_, err = a.s.SetKeyState(ctx, md.KeyID, keystore.KeyEnabled)
	assert.Error(t, err, "no write through a cut-off replica")
	_, err = create(b, md.KeyID, "")
	assert.Equal(t, provider.FailKeyDisabled, failure(err))

	c.Restart(t, 0)
	back := time.Now()
	took, ok := eventually(15*time.Second, func() bool {
		_, err := create(a, md.KeyID, "")
		return failure(err) == provider.FailKeyDisabled
	})
	assert.True(t, ok, "a refuses the disabled key once member 0 is back")
	t.Logf("a in step again %s after member 0 restarted", took)
	_, err = a.s.SetKeyState(ctx, md.KeyID, keystore.KeyEnabled)
	require.NoError(t, err)
	_, ok = eventually(waitFor, func() bool { _, err := create(b, md.KeyID, ""); return err == nil })
	assert.True(t, ok, "a writes again: b follows (%s after restart)", time.Since(back))
}

// TestEtcdStopped: every member dies. Both replicas answer unavailable
// within the staleness bound (and a request with a sequence, which needs
// etcd, never succeeds); writes fail; when etcd is back both serve again
// and every ciphertext still decrypts.
func TestEtcdStopped(t *testing.T) {
	c := startCluster(t, 3)
	prefix, kek := testPrefix(t), testKEK(t)
	const staleness = 1500 * time.Millisecond
	a := newReplica(t, "a", c.Endpoints(), prefix, kek, WithStaleness(staleness))
	b := newReplica(t, "b", c.Endpoints(), prefix, kek, WithStaleness(staleness))
	ctx := context.Background()
	md, err := a.s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.NoError(t, err)
	var l ledger
	for i := range 10 {
		r := []*replica{a, b}[i%2]
		resp, err := create(r, md.KeyID, newSequence())
		require.NoError(t, err)
		l.add(md.KeyID, resp)
	}

	for i := range c.Len() {
		c.Kill(i)
	}
	cut := time.Now()
	var wg sync.WaitGroup
	var outA, outB, outSeq []outcome
	wg.Go(func() { outA = probe(a, md.KeyID, "", cut.Add(staleness+time.Second)) })
	wg.Go(func() { outB = probe(b, md.KeyID, "", cut.Add(staleness+time.Second)) })
	wg.Go(func() { outSeq = probe(a, md.KeyID, "-", cut.Add(staleness+time.Second)) })
	wg.Wait()
	checkCutOff(t, "a", outA, cut, staleness, true)
	checkCutOff(t, "b", outB, cut, staleness, true)
	checkCutOff(t, "a with a sequence", outSeq, cut, staleness, false)
	_, err = b.s.SetKeyState(ctx, md.KeyID, keystore.KeyDisabled)
	assert.Error(t, err)
	_, err = a.s.Key(ctx, md.KeyID)
	assert.ErrorIs(t, err, keystore.ErrUnavailable)
	assert.Contains(t, err.Error(), "staleness bound")
	assert.ErrorIs(t, a.s.Check(ctx), keystore.ErrUnavailable, "not ready while cut off")

	for i := range c.Len() {
		c.Restart(t, i)
	}
	back := time.Now()
	for _, r := range []*replica{a, b} {
		took, ok := eventually(15*time.Second, func() bool { _, err := create(r, md.KeyID, newSequence()); return err == nil })
		assert.True(t, ok, "%s serves again", r.name)
		t.Logf("%s serves again %s after etcd restarted", r.name, took)
	}
	t.Logf("fleet back %s after the restart", time.Since(back))
	_, err = b.s.SetKeyState(ctx, md.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	_, ok := eventually(waitFor, func() bool { _, err := create(a, md.KeyID, ""); return failure(err) == provider.FailKeyDisabled })
	assert.True(t, ok, "a follows b's changes again")
	_, err = b.s.SetKeyState(ctx, md.KeyID, keystore.KeyEnabled)
	require.NoError(t, err)
	_, ok = eventually(waitFor, func() bool { _, err := create(a, md.KeyID, ""); return err == nil })
	require.True(t, ok)
	l.decryptAll(t, a)
	l.decryptAll(t, b)
}
