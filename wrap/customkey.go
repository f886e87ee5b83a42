package wrap

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/quote"
	"golang.org/x/crypto/cryptobyte"
	cryptobyteasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Custom-key envelopes: the wrapped_private_key of a response.
//
// A request may carry wrapping_public_key (base64 of a DER
// SubjectPublicKeyInfo) and wrapping_algorithm; the response then carries
// wrapped_private_key, the PKCS#8 DER of the new private key sealed for the
// caller's key. NewCustomKeyWrapper validates the key against the algorithm
// once; its Wrapper seals; NewCustomKeyUnwrapper is the holder's side, the
// reference for clients and tests.
//
// The algorithms are entries of one table, each built-in one with its
// wrapping_algorithm constant, its layout and both directions in a file of
// its own: RSAES_OAEP_SHA_256_AES_256_KEY_WRAP (rsa_aeskw.go),
// SM2_ENVELOPED_KEY (sm2_envelope.go) and the three HPKE suites (hpke.go).
//
// Only the HPKE algorithms bind the AAD: unwrapping needs the same value.
// The RSA and SM2 layouts are fixed by other parties and have no room for
// it, so their Wrap and Unwrap ignore aad; the request's AAD is still bound
// into private_key_cipher_text by the master-key envelope.

// CustomKeyAlgorithm is one custom-key wrapping algorithm: a
// wrapping_algorithm name and the constructors of both directions. The
// built-in algorithms are entries of this kind, each in its own file; an
// embedder adds one with RegisterCustomKeyAlgorithm.
type CustomKeyAlgorithm struct {
	// Name is the wrapping_algorithm value, compared exactly.
	Name string
	// CheckSpec reports whether the algorithm can wrap the private key of a
	// data key pair of spec, failing with an error that wraps
	// ErrUnsupportedAlgorithm; nil means every spec.
	CheckSpec func(curves.Spec) error
	// NewWrapper validates the caller's wrapping public key (DER
	// SubjectPublicKeyInfo) and returns the Wrapper that seals PKCS#8
	// private keys for its holder; errors wrap ErrInvalidWrappingKey (or
	// ErrUnsupportedAlgorithm). The Wrapper must be safe for concurrent use.
	NewWrapper func(spki []byte) (Wrapper, error)
	// NewUnwrapper returns the Unwrapper with which the holder of the
	// wrapping key opens the envelopes, Unwrap returning the PKCS#8; holder
	// is never nil, and errors wrap ErrInvalidWrappingKey.
	NewUnwrapper func(holder crypto.PrivateKey) (Unwrapper, error)
}

// customKeyTable is copy-on-write, as the curve registry: lookups read an
// immutable snapshot without locking; registration, rare, copies it under a
// mutex.
type customKeyTable struct {
	order  []string
	byName map[string]CustomKeyAlgorithm
}

var (
	customKeysMu sync.Mutex
	customKeys   atomic.Pointer[customKeyTable]
)

func init() {
	customKeys.Store(&customKeyTable{byName: map[string]CustomKeyAlgorithm{}})
	// The built-in algorithms, in the order CustomKeyAlgorithms lists them.
	builtin := append([]CustomKeyAlgorithm{rsaAESKeyWrapAlgorithm, sm2EnvelopedKeyAlgorithm}, hpkeAlgorithms()...)
	for _, a := range builtin {
		if err := RegisterCustomKeyAlgorithm(a); err != nil {
			panic(err) // unreachable: the built-in names are distinct
		}
	}
}

// RegisterCustomKeyAlgorithm adds a custom-key algorithm, after the
// built-in ones and those registered before it. It refuses an algorithm
// without a name or without both constructors, and a name already taken.
// Register at start-up, before requests are served.
func RegisterCustomKeyAlgorithm(a CustomKeyAlgorithm) error {
	switch {
	case a.Name == "":
		return errors.New("wrap: register custom-key algorithm: empty name")
	case a.NewWrapper == nil || a.NewUnwrapper == nil:
		return fmt.Errorf("wrap: register custom-key algorithm %s: NewWrapper and NewUnwrapper are both required", quote.Quote(a.Name, maxQuoted))
	}
	customKeysMu.Lock()
	defer customKeysMu.Unlock()
	old := customKeys.Load()
	if _, ok := old.byName[a.Name]; ok {
		return fmt.Errorf("wrap: register custom-key algorithm %s: already registered", quote.Quote(a.Name, maxQuoted))
	}
	n := &customKeyTable{order: append(slices.Clip(old.order), a.Name), byName: maps.Clone(old.byName)}
	n.byName[a.Name] = a
	customKeys.Store(n)
	return nil
}

// lookupCustomKeyAlgorithm returns the registered algorithm of name, or an
// ErrUnsupportedAlgorithm error.
func lookupCustomKeyAlgorithm(name string) (CustomKeyAlgorithm, error) {
	a, ok := customKeys.Load().byName[name]
	if !ok {
		return CustomKeyAlgorithm{}, unknownAlgorithm(name)
	}
	return a, nil
}

// CustomKeyAlgorithms lists the custom-key wrapping algorithms: the
// built-in ones in a fixed order (RSAES_OAEP_SHA_256_AES_256_KEY_WRAP,
// SM2_ENVELOPED_KEY, then HPKE on P-256, P-384 and P-521), then the
// registered ones in registration order.
func CustomKeyAlgorithms() []string {
	return slices.Clone(customKeys.Load().order)
}

// CheckCustomKeySpec reports whether algorithm can wrap the private key of
// a data key pair of the given spec, so a provider can refuse a request
// before generating the key. RSA and HPKE wrap any spec; SM2_ENVELOPED_KEY
// only SM2; a registered algorithm what its CheckSpec accepts. It fails
// with ErrUnsupportedAlgorithm.
func CheckCustomKeySpec(algorithm string, spec curves.Spec) error {
	a, err := lookupCustomKeyAlgorithm(algorithm)
	if err != nil || a.CheckSpec == nil {
		return err
	}
	return a.CheckSpec(spec)
}

// NewCustomKeyWrapper returns the Wrapper that seals PKCS#8 private keys for
// the holder of spki (DER SubjectPublicKeyInfo) with algorithm. It fails
// with ErrUnsupportedAlgorithm for an unknown algorithm and with
// ErrInvalidWrappingKey for a malformed key or one the algorithm does not
// take: RSA of 2048 to 4096 bits for RSAES_OAEP_SHA_256_AES_256_KEY_WRAP,
// SM2 for SM2_ENVELOPED_KEY, the named NIST curve for each HPKE algorithm.
//
// The Wrapper is safe for concurrent use; the built-in ones ignore ctx (the
// work is local and bounded) and, except for HPKE, aad (see each
// algorithm's constant).
func NewCustomKeyWrapper(algorithm string, spki []byte) (Wrapper, error) {
	a, err := lookupCustomKeyAlgorithm(algorithm)
	if err != nil {
		return nil, err
	}
	return a.NewWrapper(spki)
}

// NewCustomKeyUnwrapper returns the Unwrapper with which the holder of a
// wrapping key opens custom-key envelopes of algorithm; Unwrap returns the
// PKCS#8 DER. The holder may be:
//
//   - for RSAES_OAEP_SHA_256_AES_256_KEY_WRAP, a *rsa.PrivateKey or any
//     crypto.Decrypter with an *rsa.PublicKey that takes *rsa.OAEPOptions
//     (an HSM key, say);
//   - for SM2_ENVELOPED_KEY, a *sm2.PrivateKey (gmsm) or an SM2
//     *curves.PrivateKey;
//   - for the HPKE algorithms, a *curves.PrivateKey, *ecdsa.PrivateKey,
//     *ecdh.PrivateKey or other ecdh.KeyExchanger on the algorithm's curve.
//
// It fails with ErrUnsupportedAlgorithm or ErrInvalidWrappingKey.
func NewCustomKeyUnwrapper(algorithm string, holder crypto.PrivateKey) (Unwrapper, error) {
	a, err := lookupCustomKeyAlgorithm(algorithm)
	if err != nil {
		return nil, err
	}
	if holder == nil {
		return nil, fmt.Errorf("%w: %s: no holder private key", ErrInvalidWrappingKey, algorithm)
	}
	return a.NewUnwrapper(holder)
}

// unknownAlgorithm is the error for a wrapping algorithm nobody registered.
func unknownAlgorithm(algorithm string) error {
	if algorithm == "" {
		return fmt.Errorf("%w: wrapping algorithm is empty", ErrUnsupportedAlgorithm)
	}
	return fmt.Errorf("%w: unknown wrapping algorithm %s", ErrUnsupportedAlgorithm, quote.Quote(algorithm, maxQuoted))
}

// maxQuoted is how much of a caller's string an error message quotes.
const maxQuoted = 64

// SubjectPublicKeyInfo algorithm OIDs the custom-key algorithms tell apart.
var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidX25519        = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// wrappingKey is a parsed wrapping public key: exactly one field is set.
type wrappingKey struct {
	rsa *rsa.PublicKey
	ec  *curves.PublicKey
}

// describe names the key's type for error messages.
func (k wrappingKey) describe() string {
	if k.rsa != nil {
		return fmt.Sprintf("an RSA-%d key", k.rsa.N.BitLen())
	}
	return fmt.Sprintf("an EC key on %s", k.ec.Curve().Spec())
}

// parseWrappingKey parses a wrapping public key: rsaEncryption keys with
// crypto/x509, id-ecPublicKey keys of every registered curve with
// encoding.ParseSPKI. Either parse is strict DER.
func parseWrappingKey(algorithm string, spki []byte) (wrappingKey, error) {
	if len(spki) == 0 {
		return wrappingKey{}, fmt.Errorf("%w: %s: wrapping public key is empty", ErrInvalidWrappingKey, algorithm)
	}
	var (
		in            = cryptobyte.String(spki)
		body, algID   cryptobyte.String
		oid           asn1.ObjectIdentifier
		malformedSPKI = fmt.Errorf("%w: %s: wrapping public key is not a DER SubjectPublicKeyInfo", ErrInvalidWrappingKey, algorithm)
	)
	if !in.ReadASN1(&body, cryptobyteasn1.SEQUENCE) || !in.Empty() ||
		!body.ReadASN1(&algID, cryptobyteasn1.SEQUENCE) ||
		!algID.ReadASN1ObjectIdentifier(&oid) {
		return wrappingKey{}, malformedSPKI
	}
	switch {
	case oid.Equal(oidRSAEncryption):
		k, err := x509.ParsePKIXPublicKey(spki)
		if err != nil {
			return wrappingKey{}, malformedSPKI
		}
		pub, ok := k.(*rsa.PublicKey)
		if !ok {
			return wrappingKey{}, malformedSPKI
		}
		return wrappingKey{rsa: pub}, nil
	case oid.Equal(oidECPublicKey):
		pub, err := encoding.ParseSPKI(spki)
		if err != nil {
			return wrappingKey{}, fmt.Errorf("%w: %s: wrapping public key: %v", ErrInvalidWrappingKey, algorithm, err)
		}
		return wrappingKey{ec: pub}, nil
	case oid.Equal(oidRSAPSS):
		return wrappingKey{}, fmt.Errorf("%w: %s: wrapping public key is RSASSA-PSS, a signature-only key type", ErrInvalidWrappingKey, algorithm)
	case oid.Equal(oidX25519), oid.Equal(oidEd25519):
		return wrappingKey{}, fmt.Errorf("%w: %s: wrapping public key type %s is not supported", ErrInvalidWrappingKey, algorithm, oid)
	}
	return wrappingKey{}, fmt.Errorf("%w: %s: wrapping public key has unsupported algorithm %s", ErrInvalidWrappingKey, algorithm, oid)
}
