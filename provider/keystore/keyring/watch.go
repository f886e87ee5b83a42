package keyring

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"sync"
	"time"
)

// watcher rereads a keyring's file on a timer. Reading a small file and
// hashing it costs microseconds; only a file whose bytes changed is parsed
// and verified, and a derivation is reused while the kdf section stays, so
// a reload of a sealed keyring runs no Argon2id.
type watcher struct {
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func startWatcher(r *ring, every time.Duration) *watcher {
	w := &watcher{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		var rs reloadState
		for {
			select {
			case <-w.quit:
				return
			case <-t.C:
				r.reload(&rs)
			}
		}
	}()
	return w
}

// stop ends the watcher and waits for it.
func (w *watcher) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
}

// reloadState remembers what was reported, so a bad file is logged once
// and not parsed again at every tick.
type reloadState struct {
	badSum  [32]byte
	lastErr string
}

// reload adopts the file if it changed and loads in full; otherwise the
// keyring keeps its last good state. It holds the keyring's mutex, so a
// change made by this process is never overtaken by an older read.
func (r *ring) reload(rs *reloadState) {
	f := r.file
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := f.read()
	if err != nil {
		if !f.exists && errors.Is(err, fs.ErrNotExist) {
			return // not created yet: the first change will
		}
		if msg := err.Error(); msg != rs.lastErr {
			rs.lastErr = msg
			f.opts.log.Error("keyring: reload failed; keeping the last good keys", "path", f.path, "err", msg)
			f.opts.reportReload(err)
		}
		return
	}
	sum := sha256.Sum256(b)
	if f.exists && sum == f.sum || sum == rs.badSum {
		return
	}
	l, err := f.decode(b)
	if err != nil {
		rs.badSum = sum
		ferr := f.fail(err)
		rs.lastErr = ferr.Error()
		f.opts.log.Error("keyring: reload failed; keeping the last good keys", "path", f.path, "err", rs.lastErr)
		f.opts.reportReload(ferr)
		return
	}
	rs.badSum, rs.lastErr = [32]byte{}, ""
	f.adopt(l)
	r.state.Store(l.st)
	f.opts.log.Info("keyring: reloaded", "path", f.path, "keys", len(l.st.order))
	f.opts.reportReload(nil)
}

// reportReload tells WithReloadEvents' function, if any.
func (o *options) reportReload(err error) {
	if o.reloaded != nil {
		o.reloaded(err)
	}
}
