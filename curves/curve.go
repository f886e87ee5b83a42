package curves

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Spec is a KMS key spec naming a curve, as in the create-ec-datakey-pair API.
type Spec string

// The key specs built into the registry.
const (
	P256      Spec = "ECC_NIST_P256"
	P384      Spec = "ECC_NIST_P384"
	P521      Spec = "ECC_NIST_P521"
	Secp256k1 Spec = "ECC_SECG_P256K1"
	SM2       Spec = "SM2"
)

// Curve generates and validates keys of one key spec.
type Curve interface {
	// Spec is the key spec this curve implements.
	Spec() Spec
	// OID is the ASN.1 named-curve object identifier.
	OID() asn1.ObjectIdentifier
	// ScalarSize is the fixed length in bytes of a private scalar; points are
	// 1+2*ScalarSize bytes uncompressed.
	ScalarSize() int
	// GenerateKey returns a fresh key pair from the system's secure random source.
	GenerateKey() (*PrivateKey, error)
	// NewPrivateKey builds a key from a big-endian scalar of exactly
	// ScalarSize bytes; it rejects zero and values at or above the order. It
	// copies scalar: callers may wipe theirs afterwards.
	NewPrivateKey(scalar []byte) (*PrivateKey, error)
	// NewPublicKey builds a key from a SEC1 point, compressed or uncompressed;
	// it rejects off-curve points, the point at infinity and hybrid encodings.
	NewPublicKey(point []byte) (*PublicKey, error)
}

// KeyAgreement is implemented by curves that offer ECDH. The shared secret is
// the x-coordinate of priv*pub (SEC 1, 3.3.1), ScalarSize bytes long.
type KeyAgreement interface {
	ECDH(priv *PrivateKey, pub *PublicKey) ([]byte, error)
}

// Errors returned by this package; wrap with errors.Is.
var (
	// ErrUnknownSpec is returned by Lookup for a spec nobody registered.
	ErrUnknownSpec = errors.New("curves: unknown key spec")
	// ErrUnknownOID is returned by LookupOID for an OID nobody registered.
	ErrUnknownOID = errors.New("curves: unknown curve OID")
	// ErrDuplicate is returned by Register when the spec or OID is taken.
	ErrDuplicate = errors.New("curves: curve already registered")
	// ErrInvalidPrivateKey marks a scalar that is not a valid private key.
	ErrInvalidPrivateKey = errors.New("curves: invalid private key")
	// ErrInvalidPublicKey marks a point that is not a valid public key.
	ErrInvalidPublicKey = errors.New("curves: invalid public key")
)

// registry is copy-on-write: lookups, on every request, read an immutable
// snapshot without locking (no cache line shared between cores is
// written); Register, rare, copies it under a mutex.
type registry struct {
	order  []Spec
	bySpec map[Spec]Curve
	byOID  map[string]Curve
}

var (
	regMu sync.Mutex
	reg   atomic.Pointer[registry]
)

func init() {
	reg.Store(&registry{bySpec: map[Spec]Curve{}, byOID: map[string]Curve{}})
	for _, c := range []Curve{nistP256, nistP384, nistP521, secp256k1Curve, sm2Curve} {
		if err := Register(c); err != nil {
			panic(err) // unreachable: the built-in specs and OIDs are distinct
		}
	}
}

// Register adds a curve to the registry. It refuses a curve whose spec or OID
// is already registered, or one with an empty spec or OID.
func Register(c Curve) error {
	if c == nil || c.Spec() == "" || len(c.OID()) == 0 || c.ScalarSize() <= 0 {
		return errors.New("curves: register: curve needs a spec, an OID and a scalar size")
	}
	oid := c.OID().String()
	regMu.Lock()
	defer regMu.Unlock()
	old := reg.Load()
	if _, ok := old.bySpec[c.Spec()]; ok {
		return fmt.Errorf("%w: spec %s", ErrDuplicate, c.Spec())
	}
	if other, ok := old.byOID[oid]; ok {
		return fmt.Errorf("%w: OID %s belongs to %s", ErrDuplicate, oid, other.Spec())
	}
	n := &registry{
		order:  append(slices.Clip(old.order), c.Spec()),
		bySpec: maps.Clone(old.bySpec),
		byOID:  maps.Clone(old.byOID),
	}
	n.bySpec[c.Spec()] = c
	n.byOID[oid] = c
	reg.Store(n)
	return nil
}

// Lookup returns the curve registered for a key spec.
func Lookup(s Spec) (Curve, error) {
	c, ok := reg.Load().bySpec[s]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownSpec, string(s))
	}
	return c, nil
}

// LookupOID returns the curve registered for a named-curve OID.
func LookupOID(oid asn1.ObjectIdentifier) (Curve, error) {
	c, ok := reg.Load().byOID[oid.String()]
	if !ok {
		return nil, fmt.Errorf("%w %s", ErrUnknownOID, oid)
	}
	return c, nil
}

// Specs lists the registered key specs: the built-in ones first, then others
// in registration order.
func Specs() []Spec {
	return slices.Clone(reg.Load().order)
}
