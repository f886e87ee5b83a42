//go:build cgo

package pkcs11

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	p11 "github.com/miekg/pkcs11"
)

// module is one loaded PKCS#11 library, shared by every Store of the
// process that names the same path: C_Initialize runs once and C_Finalize
// when the last Store closes, so closing one Store does not end another's
// sessions.
type module struct {
	path     string
	ctx      *p11.Ctx
	refs     int  // guarded by modules.mu
	ownsInit bool // false when someone else in the process initialized it

	mu     sync.Mutex
	logins map[uint]*login // by slot
}

// login records that this process is logged in (CKU_USER) to a slot's
// token. The login is per application, not per session, so a second Store
// on the same token cannot check its PIN with C_Login; it is compared with
// the PIN that logged in instead.
type login struct {
	pinSum [32]byte
	stores int
}

var modules = struct {
	mu sync.Mutex
	m  map[string]*module
}{m: map[string]*module{}}

// acquireModule loads and initializes the library at path, or shares the
// copy already loaded.
func acquireModule(path string) (*module, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrModuleNotFound, path, err)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %s does not exist", ErrModuleNotFound, abs)
	case err != nil:
		return nil, fmt.Errorf("%w: %s: %v", ErrModuleNotFound, abs, err)
	case st.IsDir():
		return nil, fmt.Errorf("%w: %s is a folder, not a shared library", ErrModuleNotFound, abs)
	}
	modules.mu.Lock()
	defer modules.mu.Unlock()
	if m, ok := modules.m[abs]; ok {
		m.refs++
		return m, nil
	}
	ctx := p11.New(abs)
	if ctx == nil {
		return nil, fmt.Errorf("%w: %s could not be loaded as a PKCS#11 library (dlopen or C_GetFunctionList failed)", ErrModuleNotFound, abs)
	}
	m := &module{path: abs, ctx: ctx, refs: 1, ownsInit: true, logins: map[uint]*login{}}
	if err := ctx.Initialize(); err != nil {
		if code, ok := returnCode(err); ok && code == p11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
			m.ownsInit = false
		} else {
			ctx.Destroy()
			return nil, rvError("C_Initialize of module "+abs, err)
		}
	}
	modules.m[abs] = m
	return m, nil
}

// release drops one reference; the last one finalizes and unloads.
func (m *module) release() {
	modules.mu.Lock()
	defer modules.mu.Unlock()
	m.refs--
	if m.refs > 0 {
		return
	}
	delete(modules.m, m.path)
	if m.ownsInit {
		_ = m.ctx.Finalize()
	}
	m.ctx.Destroy()
}

// findToken returns the slot of the one token labelled label.
func (m *module) findToken(label string) (uint, error) {
	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return 0, rvError("C_GetSlotList of module "+m.path, err)
	}
	var (
		found []uint
		seen  []string
	)
	for _, s := range slots {
		ti, err := m.ctx.GetTokenInfo(s)
		if err != nil {
			return 0, rvError(fmt.Sprintf("C_GetTokenInfo of slot %d", s), err)
		}
		l := strings.TrimRight(ti.Label, " \x00")
		if ti.Flags&p11.CKF_TOKEN_INITIALIZED == 0 {
			continue
		}
		seen = append(seen, fmt.Sprintf("%q", l))
		if l == label {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		have := "none"
		if len(seen) > 0 {
			have = strings.Join(seen, ", ")
		}
		return 0, fmt.Errorf("%w: module %s has no initialized token labelled %q (tokens present: %s)", ErrTokenNotFound, m.path, label, have)
	case 1:
		return found[0], nil
	}
	return 0, fmt.Errorf("%w: module %s has %d tokens labelled %q; labels must be unique", ErrTokenNotFound, m.path, len(found), label)
}

// requiredMechanisms are what the store runs on the token, with the flags
// each must offer.
var requiredMechanisms = []struct {
	mech  uint
	name  string
	flags uint
}{
	{p11.CKM_AES_KEY_GEN, "CKM_AES_KEY_GEN", p11.CKF_GENERATE},
	{p11.CKM_AES_GCM, "CKM_AES_GCM", p11.CKF_ENCRYPT | p11.CKF_DECRYPT},
}

// checkMechanisms reports the first required mechanism the token lacks.
func (m *module) checkMechanisms(slot uint, label string) error {
	list, err := m.ctx.GetMechanismList(slot)
	if err != nil {
		return rvError(fmt.Sprintf("C_GetMechanismList of token %q", label), err)
	}
	have := make(map[uint]bool, len(list))
	for _, mech := range list {
		have[mech.Mechanism] = true
	}
	for _, r := range requiredMechanisms {
		if !have[r.mech] {
			return fmt.Errorf("%w: token %q does not offer %s", ErrMechanismInvalid, label, r.name)
		}
		info, err := m.ctx.GetMechanismInfo(slot, []*p11.Mechanism{p11.NewMechanism(r.mech, nil)})
		if err != nil {
			return rvError(fmt.Sprintf("C_GetMechanismInfo(%s) of token %q", r.name, label), err)
		}
		if info.Flags&r.flags != r.flags {
			return fmt.Errorf("%w: token %q offers %s without the flags 0x%X the store needs", ErrMechanismInvalid, label, r.name, r.flags)
		}
		if r.mech == p11.CKM_AES_KEY_GEN && info.MaxKeySize != 0 && info.MaxKeySize < 32 {
			return fmt.Errorf("%w: token %q generates AES keys of at most %d bytes, the store needs 32", ErrMechanismInvalid, label, info.MaxKeySize)
		}
	}
	return nil
}

// login logs the process in to the slot's token with pin, once; later
// Stores on the same token must bring the same PIN.
func (m *module) login(slot uint, sh p11.SessionHandle, label, pin string) error {
	sum := sha256.Sum256([]byte(pin))
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.logins[slot]; ok {
		if subtle.ConstantTimeCompare(l.pinSum[:], sum[:]) != 1 {
			return fmt.Errorf("%w: token %q is already logged in by this process with another PIN", ErrPINIncorrect, label)
		}
		l.stores++
		return nil
	}
	if err := m.ctx.Login(sh, p11.CKU_USER, pin); err != nil {
		// Logged in by code outside this package: the login stands, but
		// this PIN could not be checked.
		if code, ok := returnCode(err); !ok || code != p11.CKR_USER_ALREADY_LOGGED_IN {
			return rvError(fmt.Sprintf("C_Login (CKU_USER) to token %q", label), err)
		}
	}
	m.logins[slot] = &login{pinSum: sum, stores: 1}
	return nil
}

// logout forgets one Store's login; the token logs out by itself when the
// last session on it closes.
func (m *module) logout(slot uint) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.logins[slot]; ok {
		if l.stores--; l.stores <= 0 {
			delete(m.logins, slot)
		}
	}
}

// returnCode extracts the CK_RV of an error from the module.
func returnCode(err error) (uint, bool) {
	var pe p11.Error
	if errors.As(err, &pe) {
		return uint(pe), true
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return 0, false
}

// rvError wraps an error of a PKCS#11 call as *Error naming its CK_RV.
func rvError(op string, err error) error {
	var pe p11.Error
	if errors.As(err, &pe) {
		return &Error{Op: op, Code: uint(pe)}
	}
	return fmt.Errorf("pkcs11: %s: %w", op, err)
}

// ReturnCodeName names a CK_RV, such as CKR_PIN_INCORRECT.
func ReturnCodeName(code uint) string {
	s := p11.Error(code).Error() // "pkcs11: 0xA0: CKR_PIN_INCORRECT"
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s[i+2:], "CKR_") {
		return s[i+2:]
	}
	if code >= p11.CKR_VENDOR_DEFINED {
		return "CKR_VENDOR_DEFINED"
	}
	return "unknown CK_RV"
}
