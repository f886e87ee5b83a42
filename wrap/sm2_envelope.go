package wrap

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/asn1"
	"fmt"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/quote"
	"github.com/emmansun/gmsm/sm2"
	"golang.org/x/crypto/cryptobyte"
	cryptobyteasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SM2EnvelopedKey is the wrapping_algorithm SM2_ENVELOPED_KEY, for an SM2
// wrapping key: the GB/T 35276-2017 SM2EnvelopedKey, DER: SEQUENCE {
// sm4-ecb AlgorithmIdentifier, SM2Cipher of the SM4 key, the data key's
// public point, the SM4-ECB encrypted private scalar }. It carries an SM2
// private key, not a PKCS#8: it applies to SM2 data keys only
// (CheckCustomKeySpec), and Unwrap re-encodes the scalar as the canonical
// PKCS#8 of package encoding. gmsm builds and opens it
// (sm2.MarshalEnvelopedPrivateKey / ParseEnvelopedPrivateKey), after this
// file's own strict check of the structure.
const SM2EnvelopedKey = "SM2_ENVELOPED_KEY"

// sm2EnvelopedKeyAlgorithm is the algorithm's entry in the custom-key table:
// SM2 data keys only, an SM2 wrapping key.
var sm2EnvelopedKeyAlgorithm = CustomKeyAlgorithm{
	Name:         SM2EnvelopedKey,
	CheckSpec:    checkSM2Spec,
	NewWrapper:   newSM2Wrapper,
	NewUnwrapper: newSM2Unwrapper,
}

// checkSM2Spec accepts SM2 data keys only: the envelope carries an SM2
// private scalar, not a PKCS#8.
func checkSM2Spec(spec curves.Spec) error {
	if spec != curves.SM2 {
		return fmt.Errorf("%w: %s envelopes only %s data keys, not %s", ErrUnsupportedAlgorithm, SM2EnvelopedKey, curves.SM2, quote.Quote(string(spec), maxQuoted))
	}
	return nil
}

// Sizes inside an SM2EnvelopedKey.
const (
	sm2ScalarSize = 32
	sm2PointSize  = 1 + 2*sm2ScalarSize
)

// Symmetric algorithms GB/T 35276 names for the private key encryption.
var (
	oidSM4    = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 104}
	oidSM4ECB = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 104, 1}
)

// sm2Wrapper envelopes SM2 data keys for an SM2 public key.
type sm2Wrapper struct {
	pub *ecdsa.PublicKey
}

func newSM2Wrapper(spki []byte) (Wrapper, error) {
	k, err := parseWrappingKey(SM2EnvelopedKey, spki)
	if err != nil {
		return nil, err
	}
	if k.ec == nil || k.ec.Curve().Spec() != curves.SM2 {
		return nil, fmt.Errorf("%w: %s needs an SM2 wrapping key, got %s", ErrInvalidWrappingKey, SM2EnvelopedKey, k.describe())
	}
	pub, err := sm2.NewPublicKey(k.ec.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: wrapping public key is not a valid SM2 point", ErrInvalidWrappingKey, SM2EnvelopedKey)
	}
	return &sm2Wrapper{pub: pub}, nil
}

// Wrap implements Wrapper. plaintext must be the PKCS#8 of an SM2 private
// key (ErrUnsupportedAlgorithm for another spec, ErrMalformedEnvelope when
// it is no PKCS#8 at all); aad is ignored, the layout cannot carry it.
func (w *sm2Wrapper) Wrap(_ context.Context, plaintext, _ []byte) ([]byte, error) {
	dk, err := encoding.ParsePKCS8(plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: plaintext is not a PKCS#8 EC private key: %v", ErrMalformedEnvelope, SM2EnvelopedKey, err)
	}
	defer dk.Destroy()
	if err := checkSM2Spec(dk.Curve().Spec()); err != nil {
		return nil, err
	}
	scalar := dk.Bytes()
	sk, err := sm2.NewPrivateKey(scalar)
	clear(scalar)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: data key rejected by gmsm sm2", ErrMalformedEnvelope, SM2EnvelopedKey)
	}
	defer destroySM2Key(sk)
	env, err := sm2.MarshalEnvelopedPrivateKey(rand.Reader, w.pub, sk)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: SM2 encryption under the wrapping key failed: %v", ErrInvalidWrappingKey, SM2EnvelopedKey, err)
	}
	return env, nil
}

// sm2Unwrapper opens SM2EnvelopedKeys with the holder's SM2 key.
type sm2Unwrapper struct {
	sk *sm2.PrivateKey
}

func newSM2Unwrapper(holder crypto.PrivateKey) (Unwrapper, error) {
	switch k := holder.(type) {
	case *sm2.PrivateKey:
		if k == nil || k.D == nil {
			return nil, fmt.Errorf("%w: %s: holder SM2 private key is empty", ErrInvalidWrappingKey, SM2EnvelopedKey)
		}
		return &sm2Unwrapper{sk: k}, nil
	case *curves.PrivateKey:
		if k.Curve().Spec() != curves.SM2 {
			return nil, fmt.Errorf("%w: %s needs an SM2 private key, got one on %s", ErrInvalidWrappingKey, SM2EnvelopedKey, k.Curve().Spec())
		}
		scalar := k.Bytes()
		sk, err := sm2.NewPrivateKey(scalar)
		clear(scalar)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: holder key rejected by gmsm sm2", ErrInvalidWrappingKey, SM2EnvelopedKey)
		}
		return &sm2Unwrapper{sk: sk}, nil
	}
	return nil, fmt.Errorf("%w: %s needs an SM2 private key (*sm2.PrivateKey or *curves.PrivateKey), got %T", ErrInvalidWrappingKey, SM2EnvelopedKey, holder)
}

// Unwrap implements Unwrapper: it returns the canonical PKCS#8 (package
// encoding) of the enveloped SM2 key. aad is ignored, as in Wrap.
func (u *sm2Unwrapper) Unwrap(_ context.Context, envelope, _ []byte) ([]byte, error) {
	if err := checkSM2Envelope(envelope); err != nil {
		return nil, err
	}
	sk, err := sm2.ParseEnvelopedPrivateKey(u.sk, envelope)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: envelope does not open under the holder key (tampered or another key)", ErrDecrypt, SM2EnvelopedKey)
	}
	defer destroySM2Key(sk)
	var buf [sm2ScalarSize]byte
	defer clear(buf[:])
	if sk.D.BitLen() > 8*sm2ScalarSize {
		return nil, fmt.Errorf("%w: %s: enveloped scalar out of range", ErrDecrypt, SM2EnvelopedKey)
	}
	c, err := curves.Lookup(curves.SM2)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnsupportedAlgorithm, SM2EnvelopedKey, err)
	}
	dk, err := c.NewPrivateKey(sk.D.FillBytes(buf[:]))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: enveloped scalar is not a valid SM2 private key", ErrDecrypt, SM2EnvelopedKey)
	}
	defer dk.Destroy()
	der, err := encoding.MarshalPKCS8(dk)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: encoding the PKCS#8: %v", ErrMalformedEnvelope, SM2EnvelopedKey, err)
	}
	return der, nil
}

// checkSM2Envelope checks the DER shape of an SM2EnvelopedKey before gmsm
// sees it (gmsm's SM4-ECB panics on a private key that is not whole
// blocks, and it ignores the algorithm parameters):
//
//	SEQUENCE { SEQUENCE { OID sm4 | sm4-ecb, NULL OPTIONAL },
//	           SEQUENCE SM2Cipher, BIT STRING (65-byte uncompressed point),
//	           BIT STRING (32 bytes) }
func checkSM2Envelope(envelope []byte) error {
	var (
		in                    = cryptobyte.String(envelope)
		body, algID, sm2Ciph  cryptobyte.String
		oid                   asn1.ObjectIdentifier
		pub, encPriv          asn1.BitString
		notSM2EnvelopedKeyErr = fmt.Errorf("%w: %s: envelope is not a DER SM2EnvelopedKey", ErrMalformedEnvelope, SM2EnvelopedKey)
	)
	if !in.ReadASN1(&body, cryptobyteasn1.SEQUENCE) || !in.Empty() ||
		!body.ReadASN1(&algID, cryptobyteasn1.SEQUENCE) ||
		!body.ReadASN1(&sm2Ciph, cryptobyteasn1.SEQUENCE) ||
		!body.ReadASN1BitString(&pub) ||
		!body.ReadASN1BitString(&encPriv) ||
		!body.Empty() ||
		!algID.ReadASN1ObjectIdentifier(&oid) {
		return notSM2EnvelopedKeyErr
	}
	if !oid.Equal(oidSM4ECB) && !oid.Equal(oidSM4) {
		return fmt.Errorf("%w: %s: symmetric algorithm %s is not SM4", ErrMalformedEnvelope, SM2EnvelopedKey, oid)
	}
	if !algID.Empty() {
		var null cryptobyte.String
		if !algID.ReadASN1(&null, cryptobyteasn1.NULL) || !null.Empty() || !algID.Empty() {
			return fmt.Errorf("%w: %s: SM4 algorithm parameters must be absent or NULL", ErrMalformedEnvelope, SM2EnvelopedKey)
		}
	}
	if pub.BitLength != 8*sm2PointSize || pub.Bytes[0] != 4 {
		return fmt.Errorf("%w: %s: public key must be a %d-byte uncompressed point", ErrMalformedEnvelope, SM2EnvelopedKey, sm2PointSize)
	}
	if encPriv.BitLength != 8*sm2ScalarSize {
		return fmt.Errorf("%w: %s: encrypted private key must be %d bytes", ErrMalformedEnvelope, SM2EnvelopedKey, sm2ScalarSize)
	}
	return nil
}

// destroySM2Key overwrites the big.Int words of a gmsm key's scalar; the
// best a big.Int allows.
func destroySM2Key(sk *sm2.PrivateKey) {
	if sk != nil && sk.D != nil {
		clear(sk.D.Bits())
	}
}
