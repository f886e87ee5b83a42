//go:build unix

package keyring

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"time"
)

// lockTimeout bounds the wait for another process's lock; tests shorten it.
var lockTimeout = 30 * time.Second

// lockFile takes an exclusive flock(2) on name, creating it (mode 0600)
// when missing, and returns its release. The lock is advisory: it excludes
// every ecdkp process, not a program that ignores it. It is released by the
// kernel when the process dies, so a killed writer never leaves it held.
func lockFile(name string) (unlock func(), err error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockTimeout)
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", name, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another process has held the lock %s for over %v", name, lockTimeout)
		}
		time.Sleep(wait + rand.N(wait))
		wait = min(2*wait, 20*time.Millisecond)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
