package keystore

import (
	"context"
	"errors"
	"time"
)

// ReplayWindow remembers the sequence numbers of recent requests, so that a
// request sent twice within the window is refused the second time. The
// provider keeps one in memory by default; a fleet shares one (package
// provider/keystore/etcd) so a sequence used on one replica is refused on
// every other.
type ReplayWindow interface {
	// Claim records sequence in scope (the caller's project, principal and
	// action) for the window. It fails with an error wrapping ErrReplayed
	// when the sequence is already held there. The provider calls release
	// when the request then fails, so only requests that succeed keep
	// their sequence; release is safe to call more than once.
	Claim(ctx context.Context, scope, sequence string) (release func(), err error)
	// Window is how long a claimed sequence is remembered.
	Window() time.Duration
}

// ErrReplayed is wrapped by ReplayWindow.Claim for a sequence already held
// in its scope.
var ErrReplayed = errors.New("keystore: sequence already used")

// ErrReplayWindowFull is wrapped by ReplayWindow.Claim when the window
// cannot record another sequence without forgetting one that has not
// expired: the request is refused (as temporarily unavailable) rather than
// reopening a replay.
var ErrReplayWindowFull = errors.New("keystore: replay window full")
