package wrap

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hpke"
	"fmt"

	"github.com/ecdkp/ecdkp/curves"
)

// HPKE_Px_SHAy_AES_256_GCM: RFC 9180 base mode, single shot; the envelope
// is enc || ciphertext, info is HPKEInfo and the aad is the caller's.

// ckHPKESuite is one HPKE custom-key algorithm.
type ckHPKESuite struct {
	algorithm string
	spec      curves.Spec
	curve     ecdh.Curve
	kdf       hpke.KDF
	encLen    int // Nenc: the uncompressed ephemeral point
}

var ckHPKESuites = map[string]*ckHPKESuite{
	HPKEP256SHA256AES256GCM: {HPKEP256SHA256AES256GCM, curves.P256, ecdh.P256(), hpke.HKDFSHA256(), 65},
	HPKEP384SHA384AES256GCM: {HPKEP384SHA384AES256GCM, curves.P384, ecdh.P384(), hpke.HKDFSHA384(), 97},
	HPKEP521SHA512AES256GCM: {HPKEP521SHA512AES256GCM, curves.P521, ecdh.P521(), hpke.HKDFSHA512(), 133},
}

// ckHPKEInfo is HPKEInfo as bytes; hpke only reads it.
var ckHPKEInfo = []byte(HPKEInfo)

// ckHPKETagSize is the AES-256-GCM tag length.
const ckHPKETagSize = 16

// ckHPKEWrapper seals for one recipient public key.
type ckHPKEWrapper struct {
	s  *ckHPKESuite
	pk hpke.PublicKey
}

func ckNewHPKEWrapper(s *ckHPKESuite, k ckWrappingKey) (Wrapper, error) {
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
	return &ckHPKEWrapper{s: s, pk: pk}, nil
}

// Wrap implements Wrapper; aad is the HPKE aad.
func (w *ckHPKEWrapper) Wrap(_ context.Context, plaintext, aad []byte) ([]byte, error) {
	enc, sender, err := hpke.NewSender(w.pk, w.s.kdf, hpke.AES256GCM(), ckHPKEInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: HPKE setup failed: %v", ErrInvalidWrappingKey, w.s.algorithm, err)
	}
	out := make([]byte, len(enc), len(enc)+len(plaintext)+ckHPKETagSize)
	copy(out, enc)
	ct, err := sender.Seal(aad, plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: HPKE seal failed: %v", ErrUnsupportedAlgorithm, w.s.algorithm, err)
	}
	return append(out, ct...), nil
}

// ckHPKEUnwrapper opens envelopes with the recipient's private key.
type ckHPKEUnwrapper struct {
	s  *ckHPKESuite
	sk hpke.PrivateKey
}

func ckNewHPKEUnwrapper(s *ckHPKESuite, holder any) (Unwrapper, error) {
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
	return &ckHPKEUnwrapper{s: s, sk: sk}, nil
}

// Unwrap implements Unwrapper; aad must be the one given to Wrap.
func (u *ckHPKEUnwrapper) Unwrap(_ context.Context, envelope, aad []byte) ([]byte, error) {
	if len(envelope) < u.s.encLen+ckHPKETagSize {
		return nil, fmt.Errorf("%w: %s envelope of %d bytes is shorter than enc (%d) and tag (%d)",
			ErrMalformedEnvelope, u.s.algorithm, len(envelope), u.s.encLen, ckHPKETagSize)
	}
	r, err := hpke.NewRecipient(envelope[:u.s.encLen], u.sk, u.s.kdf, hpke.AES256GCM(), ckHPKEInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: encapsulated key is not a valid %s point", ErrDecrypt, u.s.algorithm, u.s.spec)
	}
	pt, err := r.Open(aad, envelope[u.s.encLen:])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: envelope does not authenticate (tampered, another key or another AAD)", ErrDecrypt, u.s.algorithm)
	}
	return pt, nil
}
