package wrap

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hpke"
	"fmt"

	"github.com/ecdkp/ecdkp/curves"
)

// The HPKE wrapping_algorithm values, each for a wrapping key on its NIST
// curve and any data key spec: RFC 9180 base mode with DHKEM(P-x,
// HKDF-SHA-y), HKDF-SHA-y and AES-256-GCM, info HPKEInfo, one Seal with the
// caller's AAD; the envelope is enc (the uncompressed ephemeral point) ||
// ciphertext || tag.
const (
	// HPKEP256SHA256AES256GCM is HPKE DHKEM(P-256, HKDF-SHA256),
	// HKDF-SHA256, AES-256-GCM.
	HPKEP256SHA256AES256GCM = "HPKE_P256_SHA256_AES_256_GCM"
	// HPKEP384SHA384AES256GCM is HPKE DHKEM(P-384, HKDF-SHA384),
	// HKDF-SHA384, AES-256-GCM.
	HPKEP384SHA384AES256GCM = "HPKE_P384_SHA384_AES_256_GCM"
	// HPKEP521SHA512AES256GCM is HPKE DHKEM(P-521, HKDF-SHA512),
	// HKDF-SHA512, AES-256-GCM.
	HPKEP521SHA512AES256GCM = "HPKE_P521_SHA512_AES_256_GCM"
)

// HPKEInfo is the HPKE info parameter of every HPKE custom-key envelope.
const HPKEInfo = "ecdkp wrapped_private_key v1"

// hpkeSuite is one HPKE custom-key algorithm.
type hpkeSuite struct {
	algorithm string
	spec      curves.Spec
	curve     ecdh.Curve
	kdf       hpke.KDF
	encLen    int // Nenc: the uncompressed ephemeral point
}

// hpkeSuites are the HPKE custom-key algorithms, in the order they are
// listed.
var hpkeSuites = []*hpkeSuite{
	{HPKEP256SHA256AES256GCM, curves.P256, ecdh.P256(), hpke.HKDFSHA256(), 65},
	{HPKEP384SHA384AES256GCM, curves.P384, ecdh.P384(), hpke.HKDFSHA384(), 97},
	{HPKEP521SHA512AES256GCM, curves.P521, ecdh.P521(), hpke.HKDFSHA512(), 133},
}

// hpkeAlgorithms are the suites' entries in the custom-key table: any data
// key spec, a wrapping key on the suite's curve.
func hpkeAlgorithms() []CustomKeyAlgorithm {
	algs := make([]CustomKeyAlgorithm, len(hpkeSuites))
	for i, s := range hpkeSuites {
		algs[i] = CustomKeyAlgorithm{
			Name:         s.algorithm,
			NewWrapper:   func(spki []byte) (Wrapper, error) { return newHPKEWrapper(s, spki) },
			NewUnwrapper: func(holder crypto.PrivateKey) (Unwrapper, error) { return newHPKEUnwrapper(s, holder) },
		}
	}
	return algs
}

// hpkeInfo is HPKEInfo as bytes; hpke only reads it.
var hpkeInfo = []byte(HPKEInfo)

// hpkeTagSize is the AES-256-GCM tag length.
const hpkeTagSize = 16

// hpkeWrapper seals for one recipient public key.
type hpkeWrapper struct {
	s  *hpkeSuite
	pk hpke.PublicKey
}

func newHPKEWrapper(s *hpkeSuite, spki []byte) (Wrapper, error) {
	k, err := parseWrappingKey(s.algorithm, spki)
	if err != nil {
		return nil, err
	}
	if k.ec == nil || k.ec.Curve().Spec() != s.spec {
		return nil, fmt.Errorf("%w: %s needs an EC wrapping key on %s, got %s", ErrInvalidWrappingKey, s.algorithm, s.spec, k.describe())
	}
	pub, err := s.curve.NewPublicKey(k.ec.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: wrapping public key is not a valid %s point", ErrInvalidWrappingKey, s.algorithm, s.spec)
	}
	pk, err := hpke.NewDHKEMPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidWrappingKey, s.algorithm, err)
	}
	return &hpkeWrapper{s: s, pk: pk}, nil
}

// Wrap implements Wrapper; aad is the HPKE aad.
func (w *hpkeWrapper) Wrap(_ context.Context, plaintext, aad []byte) ([]byte, error) {
	enc, sender, err := hpke.NewSender(w.pk, w.s.kdf, hpke.AES256GCM(), hpkeInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: HPKE setup failed: %v", ErrInvalidWrappingKey, w.s.algorithm, err)
	}
	out := make([]byte, len(enc), len(enc)+len(plaintext)+hpkeTagSize)
	copy(out, enc)
	ct, err := sender.Seal(aad, plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: HPKE seal failed: %v", ErrUnsupportedAlgorithm, w.s.algorithm, err)
	}
	return append(out, ct...), nil
}

// hpkeUnwrapper opens envelopes with the recipient's private key.
type hpkeUnwrapper struct {
	s  *hpkeSuite
	sk hpke.PrivateKey
}

func newHPKEUnwrapper(s *hpkeSuite, holder crypto.PrivateKey) (Unwrapper, error) {
	var kx ecdh.KeyExchanger
	switch k := holder.(type) {
	case *curves.PrivateKey:
		if k.Curve().Spec() != s.spec {
			return nil, fmt.Errorf("%w: %s needs a private key on %s, got one on %s", ErrInvalidWrappingKey, s.algorithm, s.spec, k.Curve().Spec())
		}
		scalar := k.Bytes()
		priv, err := s.curve.NewPrivateKey(scalar)
		clear(scalar)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: private key rejected by crypto/ecdh", ErrInvalidWrappingKey, s.algorithm)
		}
		kx = priv
	case *ecdsa.PrivateKey:
		priv, err := k.ECDH()
		if err != nil {
			return nil, fmt.Errorf("%w: %s needs a private key on %s: %v", ErrInvalidWrappingKey, s.algorithm, s.spec, err)
		}
		kx = priv
	case ecdh.KeyExchanger:
		kx = k
	default:
		return nil, fmt.Errorf("%w: %s needs an EC private key on %s, got %T", ErrInvalidWrappingKey, s.algorithm, s.spec, holder)
	}
	if kx.Curve() != s.curve {
		return nil, fmt.Errorf("%w: %s needs a private key on %s, got one on %v", ErrInvalidWrappingKey, s.algorithm, s.spec, kx.Curve())
	}
	sk, err := hpke.NewDHKEMPrivateKey(kx)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidWrappingKey, s.algorithm, err)
	}
	return &hpkeUnwrapper{s: s, sk: sk}, nil
}

// Unwrap implements Unwrapper; aad must be the one given to Wrap.
func (u *hpkeUnwrapper) Unwrap(_ context.Context, envelope, aad []byte) ([]byte, error) {
	if len(envelope) < u.s.encLen+hpkeTagSize {
		return nil, fmt.Errorf("%w: %s envelope of %d bytes is shorter than enc (%d) and tag (%d)",
			ErrMalformedEnvelope, u.s.algorithm, len(envelope), u.s.encLen, hpkeTagSize)
	}
	r, err := hpke.NewRecipient(envelope[:u.s.encLen], u.sk, u.s.kdf, hpke.AES256GCM(), hpkeInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: encapsulated key is not a valid %s point", ErrDecrypt, u.s.algorithm, u.s.spec)
	}
	pt, err := r.Open(aad, envelope[u.s.encLen:])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: envelope does not authenticate (tampered, another key or another AAD)", ErrDecrypt, u.s.algorithm)
	}
	return pt, nil
}
