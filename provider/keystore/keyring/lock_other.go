//go:build !unix

package keyring

import (
	"errors"
	"time"
)

var lockTimeout = 30 * time.Second

// lockFile fails where flock(2) does not exist: a keyring file is then
// read-only, never changed without the cross-process lock.
func lockFile(name string) (func(), error) {
	return nil, errors.New("keyring: changing a keyring file needs flock(2), which this system lacks")
}
