package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// WindowReplayCache returns a ReplayCache that records signatures as claims
// in w, a keystore.ReplayWindow: a fleet's shared window (package
// provider/keystore/etcd) makes a signature accepted by one replica refused
// by every other. The scope of a claim is the access key, so the window's
// own bound (ErrReplayWindowFull, reported as ErrReplayCacheFull) is per
// key wherever the window bounds per scope.
//
// A claim is never released: a request whose signature was accepted and
// that then failed is still not to be sent again. The window must remember
// a claim at least until expires, which the verifiers put at the
// signature's date plus the skew, so at most twice the skew after now: a
// window shorter than what a signature needs is refused (an error that
// refuses the request), never trusted.
func WindowReplayCache(w keystore.ReplayWindow) ReplayCache { return windowCache{w} }

type windowCache struct{ w keystore.ReplayWindow }

// signatureScope prefixes the claims' scope; it starts with a byte no
// project starts with, so should one window also hold the provider's
// sequences (scoped by project, principal and action), neither meets the
// other.
const signatureScope = "\x00signature\x00"

func (c windowCache) Admit(ctx context.Context, accessKey string, signature []byte, now, expires time.Time) error {
	if need := expires.Sub(now); need > c.w.Window() {
		return fmt.Errorf("auth: the replay window remembers %s, less than the %s this signature must be remembered", c.w.Window(), need.Round(time.Second))
	}
	_, err := c.w.Claim(ctx, signatureScope+accessKey, base64.RawStdEncoding.EncodeToString(signature))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keystore.ErrReplayed):
		return ErrReplayed
	case errors.Is(err, keystore.ErrReplayWindowFull):
		return fmt.Errorf("%w: %w", ErrReplayCacheFull, err)
	}
	return err
}
