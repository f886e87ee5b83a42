//go:build cgo

package pkcs11

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	p11 "github.com/miekg/pkcs11"
)

// pool lends the Store's sessions, one call at a time each: a PKCS#11
// session is not safe for concurrent use.
type pool struct {
	ctx   *p11.Ctx
	slot  uint
	label string
	pin   string // kept to log in again after the token logged out
	ch    chan p11.SessionHandle
	size  int
	// gen grows when a session is replaced or the token logged in again:
	// events after which cached object handles may be stale.
	gen atomic.Uint64

	closeOnce sync.Once
	done      chan struct{}
}

// openPool opens n read-write sessions on slot; login runs on the first
// one before the others open.
func openPool(ctx *p11.Ctx, slot uint, label, pin string, n int, login func(p11.SessionHandle) error) (*pool, error) {
	p := &pool{ctx: ctx, slot: slot, label: label, pin: pin, ch: make(chan p11.SessionHandle, n), done: make(chan struct{})}
	fail := func(err error) (*pool, error) {
		for len(p.ch) > 0 {
			_ = ctx.CloseSession(<-p.ch)
		}
		return nil, err
	}
	for i := 0; i < n; i++ {
		sh, err := p.open()
		if err != nil {
			return fail(err)
		}
		p.ch <- sh
		p.size++
		if i == 0 {
			if err := login(sh); err != nil {
				return fail(err)
			}
		}
	}
	return p, nil
}

func (p *pool) open() (p11.SessionHandle, error) {
	sh, err := p.ctx.OpenSession(p.slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		return 0, rvError(fmt.Sprintf("C_OpenSession on token %q", p.label), err)
	}
	return sh, nil
}

// with runs f on a borrowed session. A session the token reports as
// broken is closed and replaced by a new one, and a session that is no
// longer logged in (the token logs out when its last session closes, or
// after a reset) logs in again, so the next call works; the failed call
// is not retried.
func (p *pool) with(ctx context.Context, f func(sh p11.SessionHandle) error) error {
	select {
	case <-p.done:
		return ErrClosed
	default:
	}
	var sh p11.SessionHandle
	select {
	case sh = <-p.ch:
	case <-p.done:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("pkcs11: waiting for a session of token %q: %w", p.label, ctx.Err())
	}
	err := f(sh)
	if code, ok := returnCode(err); ok {
		switch {
		case sessionBroken(code):
			_ = p.ctx.CloseSession(sh)
			if ns, oerr := p.open(); oerr == nil {
				sh = ns
				p.gen.Add(1)
				_ = p.ensureLogin(sh)
			}
			// else: keep the dead handle so the pool keeps its size;
			// the next borrower gets the token's error again.
		case mayBeLoggedOut(code):
			_ = p.ensureLogin(sh)
		}
	}
	p.ch <- sh
	return err
}

// ensureLogin logs the token in again when sh shows it logged out.
func (p *pool) ensureLogin(sh p11.SessionHandle) error {
	info, err := p.ctx.GetSessionInfo(sh)
	if err != nil {
		return err
	}
	if info.State == p11.CKS_RW_USER_FUNCTIONS || info.State == p11.CKS_RO_USER_FUNCTIONS {
		return nil
	}
	if err := p.ctx.Login(sh, p11.CKU_USER, p.pin); err != nil {
		if code, ok := returnCode(err); !ok || code != p11.CKR_USER_ALREADY_LOGGED_IN {
			return err
		}
	}
	p.gen.Add(1)
	return nil
}

// mayBeLoggedOut lists the return codes a logged-out token gives for
// private objects.
func mayBeLoggedOut(code uint) bool {
	switch code {
	case p11.CKR_USER_NOT_LOGGED_IN, p11.CKR_OBJECT_HANDLE_INVALID, p11.CKR_KEY_HANDLE_INVALID:
		return true
	}
	return false
}

// sessionBroken lists the return codes after which a session is not
// reused.
func sessionBroken(code uint) bool {
	switch code {
	case p11.CKR_SESSION_HANDLE_INVALID, p11.CKR_SESSION_CLOSED, p11.CKR_OPERATION_ACTIVE,
		p11.CKR_DEVICE_REMOVED, p11.CKR_TOKEN_NOT_PRESENT:
		return true
	}
	return false
}

// close waits for every lent session to come back and closes them all.
func (p *pool) close() {
	p.closeOnce.Do(func() {
		close(p.done)
		for i := 0; i < p.size; i++ {
			_ = p.ctx.CloseSession(<-p.ch)
		}
	})
}
