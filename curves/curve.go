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

// The key specs built into the registry. The first five are Huawei KMS's
// list for create-ec-datakey-pair; Ed25519 is AWS KMS's KeyPairSpec name for
// an Ed25519 key pair, an extension of Huawei's list.
const (
	P256      Spec = "ECC_NIST_P256"
	P384      Spec = "ECC_NIST_P384"
	P521      Spec = "ECC_NIST_P521"
	Secp256k1 Spec = "ECC_SECG_P256K1"
	SM2       Spec = "SM2"
	Ed25519   Spec = "ECC_NIST_EDWARDS25519"
)

// KeyType is the kind of key pair a curve makes. It fixes what the key
// bytes are and how package encoding writes them.
type KeyType uint8

const (
	// EC keys live on a short Weierstrass curve: the private key is a
	// big-endian scalar in [1, n-1] of ScalarSize bytes, the public key a
	// SEC 1 point, kept uncompressed (04||X||Y, 1+2*ScalarSize bytes).
	// SPKI and PKCS#8 name them id-ecPublicKey with the curve's OID as
	// namedCurve; SEC 1 ECPrivateKey applies. Every curve is EC unless it
	// says otherwise (see TypeOf).
	EC KeyType = iota
	// EdDSA keys are RFC 8032 keys: the private key is a seed of ScalarSize
	// bytes, the public key the curve's encoding of a point, also ScalarSize
	// bytes (32 for Ed25519). SPKI and PKCS#8 name them by the curve's OID
	// alone, with no parameters (RFC 8410); there is no SEC 1 form and no
	// ECDH.
	EdDSA
)

// String returns "EC" or "EdDSA".
func (t KeyType) String() string {
	switch t {
	case EC:
		return "EC"
	case EdDSA:
		return "EdDSA"
	}
	return fmt.Sprintf("KeyType(%d)", uint8(t))
}

// PublicKeySize is the length in bytes of the public keys of a curve of this
// type whose ScalarSize is scalarSize, as PublicKey.Bytes returns them.
func (t KeyType) PublicKeySize(scalarSize int) int {
	if t == EdDSA {
		return scalarSize
	}
	return 1 + 2*scalarSize
}

// Curve generates and validates keys of one key spec. The method docs say
// what the key bytes are for EC curves; a curve of another KeyType says so
// with a KeyType method (see TypeOf), and its bytes are that type's.
type Curve interface {
	// Spec is the key spec this curve implements.
	Spec() Spec
	// OID is the ASN.1 object identifier of the curve: the namedCurve of an
	// EC key, the algorithm itself for an EdDSA key (1.3.101.112 for
	// Ed25519).
	OID() asn1.ObjectIdentifier
	// ScalarSize is the fixed length in bytes of a private key: the scalar
	// of an EC key (whose points are 1+2*ScalarSize bytes uncompressed), the
	// seed of an EdDSA key (whose public keys are ScalarSize bytes too).
	ScalarSize() int
	// GenerateKey returns a fresh key pair from the system's secure random source.
	GenerateKey() (*PrivateKey, error)
	// NewPrivateKey builds a key from a big-endian scalar of exactly
	// ScalarSize bytes; it rejects zero and values at or above the order
	// (EdDSA: from a seed of exactly ScalarSize bytes). It copies scalar:
	// callers may wipe theirs afterwards.
	NewPrivateKey(scalar []byte) (*PrivateKey, error)
	// NewPublicKey builds a key from a SEC1 point, compressed or uncompressed;
	// it rejects off-curve points, the point at infinity and hybrid encodings
	// (EdDSA: from the curve's point encoding; Ed25519's checks are in the
	// package doc).
	NewPublicKey(point []byte) (*PublicKey, error)
}

// TypeOf returns the key type of c: what its KeyType method returns if it
// has one (interface{ KeyType() KeyType }), EC otherwise, so a curve written
// before key types existed stays an EC curve.
func TypeOf(c Curve) KeyType {
	if t, ok := c.(interface{ KeyType() KeyType }); ok {
		return t.KeyType()
	}
	return EC
}

// KeyAgreement is implemented by curves that offer ECDH (the EC curves built
// in; no EdDSA curve). The shared secret is the x-coordinate of priv*pub
// (SEC 1, 3.3.1), ScalarSize bytes long.
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
	for _, c := range []Curve{nistP256, nistP384, nistP521, secp256k1Curve, sm2Curve, ed25519Curve} {
		if err := Register(c); err != nil {
			panic(err) // unreachable: the built-in specs and OIDs are distinct
		}
	}
}

// Register adds a curve to the registry. It refuses a curve whose spec or OID
// is already registered, one with an empty spec or OID, and one whose
// KeyType is neither EC nor EdDSA.
func Register(c Curve) error {
	if c == nil || c.Spec() == "" || len(c.OID()) == 0 || c.ScalarSize() <= 0 {
		return errors.New("curves: register: curve needs a spec, an OID and a scalar size")
	}
	if t := TypeOf(c); t != EC && t != EdDSA {
		return fmt.Errorf("curves: register: %s has an unknown key type %s", c.Spec(), t)
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
