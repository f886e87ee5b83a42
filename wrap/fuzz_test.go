package wrap

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/fuzzseed"
	"github.com/ecdkp/ecdkp/wrap/attest"
	"github.com/ecdkp/ecdkp/wrap/internal/cms"
	"github.com/ecdkp/ecdkp/wrap/internal/cms/cmstest"
)

// The fuzz targets of the unwrappers (the attestation verifier's is in
// package attest). Every key they use is fixed (derived from constants, see
// package fuzzseed), so the envelopes checked in under
// testdata/fuzz/<FuzzName>/ open in every run. Each target checks that
// nothing panics, that every error wraps exactly one of the package's
// classes (the ones its doc comment promises), and that what opens is
// something we sealed: the fuzzer can mutate envelopes but cannot forge an
// AEAD tag or an RSA-OAEP or SM2 ciphertext.

// fixedCurveKey is the fixed private key of spec for seed.
func fixedCurveKey(tb testing.TB, spec curves.Spec, seed byte) *curves.PrivateKey {
	tb.Helper()
	c, err := curves.Lookup(spec)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := c.NewPrivateKey(fuzzseed.Scalar(c.ScalarSize(), seed))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// fixedDataKeys returns the PKCS#8 of a fixed data key pair of every spec,
// the plaintexts every seed envelope seals.
func fixedDataKeys(tb testing.TB) map[curves.Spec][]byte {
	tb.Helper()
	out := map[curves.Spec][]byte{}
	for _, spec := range curves.Specs() {
		der, err := encoding.MarshalPKCS8(fixedCurveKey(tb, spec, 7))
		if err != nil {
			tb.Fatal(err)
		}
		out[spec] = der
	}
	return out
}

// isFixedDataKey reports whether pt is one of fixedDataKeys' plaintexts.
func isFixedDataKey(keys map[curves.Spec][]byte, pt []byte) bool {
	for _, k := range keys {
		if bytes.Equal(k, pt) {
			return true
		}
	}
	return false
}

// errorClasses are the error classes of package wrap.
var errorClasses = []error{ErrInvalidWrappingKey, ErrUnsupportedAlgorithm, ErrInvalidAttestation,
	ErrMalformedEnvelope, ErrDecrypt, ErrKeyUnavailable}

// requireClass fails unless err wraps exactly one of the package's
// classes and that one is among allowed.
func requireClass(t *testing.T, what string, err error, allowed ...error) {
	t.Helper()
	fuzzseed.RequireClass(t, what, err, errorClasses, allowed...)
}

var fuzzAAD = []byte("fuzz aad")

// Master-key envelopes.

// fixedMasterKeys are the two fixed master keys (AES-256-GCM and SM4-GCM), each
// with two versions; fixedMasterKeyAt is the same key as it was when version v
// was current.
func fixedMasterKeyAt(tb testing.TB, alg Algorithm, v int) *testMasterKey {
	tb.Helper()
	size, id := 32, byte(0x10)
	if alg == SM4GCM {
		size, id = 16, 0x40
	}
	var versions [][]byte
	for i := 1; i <= v; i++ {
		versions = append(versions, seq(size, byte(0x20*i)+id))
	}
	return newTestMasterKey(tb, alg, id, versions...)
}

// fixedNonces is a deterministic source of one n-byte nonce for label.
func fixedNonces(label string, n int) io.Reader {
	sum := sha256.Sum256([]byte(label))
	return bytes.NewReader(sum[:n])
}

// sealedKey is what a sealed envelope opens with: the master key's
// algorithm, the key spec, the envelope and its context.
type sealedKey struct {
	alg           Algorithm
	spec          curves.Spec
	envelope, ctx string
}

// fuzzContexts are the contexts of the seeds: none, a Huawei AAD, and (v2
// only) an AWS encryption context.
var fuzzContexts = []struct {
	name string
	ctx  []byte
	v2   bool
}{
	{"", nil, false},
	{string(fuzzAAD), HuaweiContext(string(fuzzAAD)), false},
	{"aws:fuzz=aad", AWSContext(map[string]string{"fuzz": "aad"}), true},
}

// masterSeeds seals every data key under both master keys at both key
// versions, as envelope v1 and v2, with each context, with deterministic
// nonces; it returns the seeds and what each (key, spec, envelope, ctx)
// opens to. The v1 labels name the Huawei AAD (the seeds' second argument
// is its context) and are those of the corpus files written before v2.
func masterSeeds(tb testing.TB) ([]fuzzseed.Seed, map[sealedKey][]byte) {
	tb.Helper()
	data := fixedDataKeys(tb)
	sealed := map[sealedKey][]byte{}
	var seeds []fuzzseed.Seed
	for _, ver := range versions {
		for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
			for v := 1; v <= 2; v++ {
				for _, spec := range curves.Specs() {
					for _, c := range fuzzContexts {
						if c.v2 && ver.v1 {
							continue
						}
						label := fmt.Sprintf("%s v%d %s aad=%q", alg, v, spec, c.name)
						nonceLen := MasterNonceSize
						if !ver.v1 {
							label, nonceLen = "EKP2 "+label, MasterV2NonceSize
						}
						w := MasterKeyWrapper{Key: fixedMasterKeyAt(tb, alg, v), Spec: spec, Rand: fixedNonces(label, nonceLen), V1: ver.v1}
						env, err := w.Wrap(context.Background(), data[spec], c.ctx)
						if err != nil {
							tb.Fatal(err)
						}
						sealed[sealedKey{alg, spec, string(env), string(c.ctx)}] = data[spec]
						seeds = append(seeds, fuzzseed.New("valid "+label, env, c.ctx))
					}
				}
			}
		}
	}
	// Interesting invalid ones, from the first AES envelope of each version.
	env := seeds[0].Args[0].([]byte)
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), env...)) }
	seeds = append(seeds,
		fuzzseed.New("truncated to the overhead", env[:MasterOverhead], []byte(nil)),
		fuzzseed.New("header only", env[:MasterHeaderSize], []byte(nil)),
		fuzzseed.New("bad magic", mod(func(b []byte) []byte { b[3] = '2'; return b }), []byte(nil)),
		fuzzseed.New("unknown algorithm", mod(func(b []byte) []byte { b[4] = 3; return b }), []byte(nil)),
		fuzzseed.New("SM4 algorithm byte", mod(func(b []byte) []byte { b[4] = byte(SM4GCM); return b }), []byte(nil)),
		fuzzseed.New("unknown version", mod(func(b []byte) []byte { b[24] = 9; return b }), []byte(nil)),
		fuzzseed.New("other key id", mod(func(b []byte) []byte { b[5] ^= 1; return b }), []byte(nil)),
		fuzzseed.New("flipped tag", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), []byte(nil)),
		fuzzseed.New("wrong aad", env, []byte("other")),
	)
	var v2 []byte
	for _, s := range seeds {
		if e := s.Args[0].([]byte); string(e[:4]) == envelopeMagicV2 && len(s.Args[1].([]byte)) > 0 && e[4] == 3 {
			v2 = e // an AES envelope v2 of ECC_NIST_P256 with a Huawei context
			break
		}
	}
	ctx := HuaweiContext(string(fuzzAAD))
	mod = func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), v2...)) }
	hdr := MasterV2FixedSize + int(v2[25])
	seeds = append(seeds,
		fuzzseed.New("v2 truncated to the overhead", v2[:hdr+MasterV2NonceSize+XTagSize], ctx),
		fuzzseed.New("v2 fixed header only", v2[:MasterV2FixedSize], []byte(nil)),
		fuzzseed.New("v2 header and nonce only", v2[:hdr+MasterV2NonceSize], ctx),
		fuzzseed.New("v2 spec_len past the end", mod(func(b []byte) []byte { b[25] = 255; return b }), ctx),
		fuzzseed.New("v2 spec_len 0", mod(func(b []byte) []byte { b[25] = 0; return b }), ctx),
		fuzzseed.New("v2 spec_len plus one", mod(func(b []byte) []byte { b[25]++; return b }), ctx),
		fuzzseed.New("v2 unknown algorithm", mod(func(b []byte) []byte { b[4] = 5; return b }), ctx),
		fuzzseed.New("v2 v1 algorithm byte", mod(func(b []byte) []byte { b[4] = 1; return b }), ctx),
		fuzzseed.New("v2 XSM4 algorithm byte", mod(func(b []byte) []byte { b[4] = 4; return b }), ctx),
		fuzzseed.New("v2 unknown spec", mod(func(b []byte) []byte { copy(b[MasterV2FixedSize:], "ECC_NIST_P224"); return b }), ctx),
		fuzzseed.New("v2 other registered spec", mod(func(b []byte) []byte { copy(b[MasterV2FixedSize:], curves.P384); return b }), ctx),
		fuzzseed.New("v2 flipped nonce", mod(func(b []byte) []byte { b[hdr] ^= 1; return b }), ctx),
		fuzzseed.New("v2 AWS tag", v2, append([]byte{ContextTagAWS}, ctx[1:]...)),
		fuzzseed.New("v2 raw aad", v2, fuzzAAD),
		fuzzseed.New("v2 v1 magic", mod(func(b []byte) []byte { b[3] = '1'; return b }), ctx),
	)
	return seeds, sealed
}

// FuzzMasterKeyUnwrap opens arbitrary envelopes with arbitrary contexts
// under both fixed master keys, for every key spec and (v2) for the spec
// the header names. Exactly the envelopes we sealed open, with the context
// and spec they were sealed with, to the plaintext we sealed; everything
// else fails with ErrMalformedEnvelope, ErrDecrypt or ErrKeyUnavailable,
// and a header ParseMasterHeader refuses is ErrMalformedEnvelope.
func FuzzMasterKeyUnwrap(f *testing.F) {
	seeds, sealed := masterSeeds(f)
	for _, s := range seeds {
		f.Add(s.Args[0].([]byte), s.Args[1].([]byte))
	}
	fuzzseed.Write(f, "FuzzMasterKeyUnwrap", seeds, func(name string) bool {
		switch name {
		case `valid AES-256-GCM v1 ECC_NIST_P256 aad=""`, `valid AES-256-GCM v2 ECC_NIST_P521 aad="fuzz aad"`,
			`valid SM4-GCM v2 SM2 aad="fuzz aad"`, `valid SM4-GCM v1 ECC_SECG_P256K1 aad=""`,
			`valid EKP2 AES-256-GCM v1 ECC_NIST_P256 aad=""`, `valid EKP2 AES-256-GCM v2 ECC_NIST_P384 aad="fuzz aad"`,
			`valid EKP2 SM4-GCM v2 SM2 aad="aws:fuzz=aad"`, `valid EKP2 SM4-GCM v1 ECC_SECG_P256K1 aad="fuzz aad"`:
			return true
		}
		return !strings.HasPrefix(name, "valid")
	})
	type unwrapper struct {
		alg  Algorithm
		spec curves.Spec // "" takes a v2 header's
		u    Unwrapper
	}
	var us []unwrapper
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		for _, spec := range append(curves.Specs(), "") {
			us = append(us, unwrapper{alg, spec, MasterKeyUnwrapper{Key: fixedMasterKeyAt(f, alg, 2), Spec: spec}})
		}
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, envelope, bind []byte) {
		h, headerErr := ParseMasterHeader(envelope)
		for _, u := range us {
			spec := u.spec
			if spec == "" {
				spec = h.KeySpec // "" for v1: nothing sealed opens without a spec
			}
			want, isSealed := sealed[sealedKey{u.alg, spec, string(envelope), string(bind)}]
			isSealed = isSealed && spec != ""
			pt, err := u.u.Unwrap(ctx, envelope, bind)
			what := fmt.Sprintf("%s/%s", u.alg, u.spec)
			if err != nil {
				requireClass(t, what, err, ErrMalformedEnvelope, ErrDecrypt, ErrKeyUnavailable)
				if isSealed {
					t.Fatalf("%s: an envelope we sealed does not open: %v", what, err)
				}
				if headerErr != nil && !errors.Is(err, ErrMalformedEnvelope) {
					t.Fatalf("%s: header is malformed (%v) but Unwrap says %v", what, headerErr, err)
				}
				continue
			}
			if !isSealed {
				t.Fatalf("%s: an envelope we did not seal (or with another context) opened", what)
			}
			if !bytes.Equal(pt, want) {
				t.Fatalf("%s: envelope opened to another plaintext than the one sealed", what)
			}
		}
	})
}

// Custom-key envelopes.

// fixedCustomHolder is the fixed holder private key of a custom-key algorithm.
func fixedCustomHolder(tb testing.TB, alg string) any {
	tb.Helper()
	switch alg {
	case RSAESOAEPSHA256AES256KeyWrap:
		return fuzzseed.RSAKey(tb)
	case SM2EnvelopedKey:
		return fixedCurveKey(tb, curves.SM2, 9)
	}
	return fixedCurveKey(tb, hpkeSuiteOf(alg).spec, 9)
}

// customSeeds wraps the data key of every spec an algorithm takes with
// every algorithm for its fixed holder, with and without AAD, and adds a
// few broken envelopes.
func customSeeds(tb testing.TB) []fuzzseed.Seed {
	tb.Helper()
	data := fixedDataKeys(tb)
	var seeds []fuzzseed.Seed
	for i, alg := range CustomKeyAlgorithms() {
		holder := fixedCustomHolder(tb, alg)
		var spki []byte
		var err error
		switch h := holder.(type) {
		case *rsa.PrivateKey:
			spki, err = x509.MarshalPKIXPublicKey(&h.PublicKey)
		case *curves.PrivateKey:
			spki, err = encoding.MarshalSPKI(h.PublicKey())
		}
		if err != nil {
			tb.Fatal(err)
		}
		w, err := NewCustomKeyWrapper(alg, spki)
		if err != nil {
			tb.Fatal(err)
		}
		for _, spec := range curves.Specs() {
			if CheckCustomKeySpec(alg, spec) != nil {
				continue
			}
			for _, aad := range [][]byte{nil, fuzzAAD} {
				env, err := w.Wrap(context.Background(), data[spec], aad)
				if err != nil {
					tb.Fatal(err)
				}
				seeds = append(seeds, fuzzseed.New(fmt.Sprintf("valid %s %s aad=%q", alg, spec, aad), uint8(i), env, aad))
			}
		}
	}
	find := func(name string) []any {
		for _, s := range seeds {
			if s.Name == name {
				return s.Args
			}
		}
		tb.Fatalf("no seed %q", name)
		return nil
	}
	rsaEnv := find(customRSASeed)[1].([]byte)
	hpke := find(customHPKESeed)
	flipped := append([]byte(nil), hpke[1].([]byte)...)
	flipped[70] ^= 0x40 // in the ciphertext, after the 65-byte enc
	sm2Env := find(customSM2Seed)[1].([]byte)
	return append(seeds,
		fuzzseed.New("RSA key wrap truncated by 8", uint8(0), rsaEnv[:len(rsaEnv)-8], []byte(nil)),
		fuzzseed.New("HPKE ciphertext flipped", hpke[0], flipped, hpke[2]),
		fuzzseed.New("SM2 envelope to the RSA unwrapper", uint8(0), sm2Env, []byte(nil)),
	)
}

// Names of the custom-key seeds that are checked in.
const (
	customRSASeed  = `valid RSAES_OAEP_SHA_256_AES_256_KEY_WRAP ECC_NIST_P256 aad=""`
	customSM2Seed  = `valid SM2_ENVELOPED_KEY SM2 aad=""`
	customHPKESeed = `valid HPKE_P256_SHA256_AES_256_GCM ECC_NIST_P256 aad="fuzz aad"`
)

// FuzzCustomKeyUnwrap opens arbitrary envelopes with the unwrapper of the
// algorithm the first argument selects (modulo their number), with fixed
// holder keys. Errors are ErrMalformedEnvelope or ErrDecrypt; what opens is
// one of the data keys we sealed; the HPKE envelopes bind the AAD (another
// AAD fails), the RSA and SM2 ones ignore it (another AAD opens the same).
func FuzzCustomKeyUnwrap(f *testing.F) {
	seeds := customSeeds(f)
	for _, s := range seeds {
		f.Add(s.Args[0].(uint8), s.Args[1].([]byte), s.Args[2].([]byte))
	}
	fuzzseed.Write(f, "FuzzCustomKeyUnwrap", seeds, func(name string) bool {
		switch name {
		case customRSASeed, customSM2Seed, customHPKESeed,
			`valid HPKE_P384_SHA384_AES_256_GCM SM2 aad=""`, `valid HPKE_P521_SHA512_AES_256_GCM ECC_NIST_P256 aad="fuzz aad"`:
			return true
		}
		return !strings.HasPrefix(name, "valid")
	})
	algs := CustomKeyAlgorithms()
	us := make([]Unwrapper, len(algs))
	for i, alg := range algs {
		u, err := NewCustomKeyUnwrapper(alg, fixedCustomHolder(f, alg))
		if err != nil {
			f.Fatal(err)
		}
		us[i] = u
	}
	data := fixedDataKeys(f)
	ctx := context.Background()
	for _, s := range fuzzseed.Valid(fuzzseed.Corpus(f, "FuzzCustomKeyUnwrap")) {
		i := int(s.Args[0].(uint8)) % len(algs)
		if pt, err := us[i].Unwrap(ctx, s.Args[1].([]byte), s.Args[2].([]byte)); err != nil || !isFixedDataKey(data, pt) {
			f.Fatalf("checked-in seed %q does not open to a data key: %v", s.Name, err)
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, envelope, aad []byte) {
		i := int(sel) % len(algs)
		alg, u := algs[i], us[i]
		pt, err := u.Unwrap(ctx, envelope, aad)
		if err != nil {
			requireClass(t, alg, err, ErrMalformedEnvelope, ErrDecrypt)
			return
		}
		if !isFixedDataKey(data, pt) {
			t.Fatalf("%s: envelope opened to a plaintext we never sealed", alg)
		}
		other := append(append([]byte(nil), aad...), 'x')
		pt2, err := u.Unwrap(ctx, envelope, other)
		if hpkeSuiteOf(alg) != nil {
			if err == nil {
				t.Fatalf("%s: envelope opened under another AAD", alg)
			}
			requireClass(t, alg, err, ErrDecrypt)
		} else if err != nil || !bytes.Equal(pt2, pt) {
			t.Fatalf("%s ignores the AAD, but another AAD gives err %v", alg, err)
		}
	})
}

// Attestation recipient (CMS EnvelopedData).

// recipientSeeds are envelopes of data keys for the fixed RSA key, their
// definite-length (DER) forms, and the BER envelope KMS returned in the AWS
// SDK's tests (for another key).
func recipientSeeds(tb testing.TB) []fuzzseed.Seed {
	tb.Helper()
	priv := fuzzseed.RSAKey(tb)
	spki, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := NewRecipientWrapper(&attest.Document{PublicKey: spki}, KeyEncryptionRSAESOAEPSHA256)
	if err != nil {
		tb.Fatal(err)
	}
	data := fixedDataKeys(tb)
	var seeds []fuzzseed.Seed
	for _, spec := range []curves.Spec{curves.P256, curves.SM2, curves.P521} {
		env, err := w.Wrap(context.Background(), data[spec], nil)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, fuzzseed.New("valid "+string(spec), env))
	}
	der, err := cms.BERToDER(seeds[0].Args[0].([]byte))
	if err != nil {
		tb.Fatal(err)
	}
	sample := cmstest.KMSSample(tb)
	sampleDER, err := cms.BERToDER(sample)
	if err != nil {
		tb.Fatal(err)
	}
	return append(seeds,
		fuzzseed.New("valid P256 definite lengths", der),
		fuzzseed.New("KMS sample (BER)", sample),
		fuzzseed.New("KMS sample (DER)", sampleDER),
	)
}

// FuzzRecipientUnwrap opens arbitrary CMS envelopes with the fixed RSA key.
// Errors are ErrMalformedEnvelope (exactly when the strict parser refuses
// the envelope) or ErrDecrypt. What parses re-encodes, in KMS's layout, to
// an envelope that parses to the same fields. An envelope that opens names
// our key and opened its content to between 1 and 16 bytes less than the
// content's length; our own envelopes open to what we sealed. (The content
// is AES-CBC, unauthenticated as in KMS's format, so a changed IV or content
// block can still open, to other bytes; and since RSA-OAEP is randomized,
// each fuzz worker process has seeds of its own, so no check here assumes
// an envelope it has not made or read from testdata.)
func FuzzRecipientUnwrap(f *testing.F) {
	seeds := recipientSeeds(f)
	for _, s := range seeds {
		f.Add(s.Args[0].([]byte))
	}
	fuzzseed.Write(f, "FuzzRecipientUnwrap", seeds, func(string) bool { return true })
	priv := fuzzseed.RSAKey(f)
	u, err := NewRecipientUnwrapper(priv)
	if err != nil {
		f.Fatal(err)
	}
	keyID := RecipientKeyIdentifier(&priv.PublicKey)
	ctx := context.Background()
	// What the envelopes made here and checked in open to.
	sealed := map[string][]byte{}
	data := fixedDataKeys(f)
	for _, s := range fuzzseed.Valid(append(fuzzseed.Corpus(f, "FuzzRecipientUnwrap"), seeds...)) {
		env := s.Args[0].([]byte)
		pt, err := u.Unwrap(ctx, env, nil)
		if err != nil || !isFixedDataKey(data, pt) {
			f.Fatalf("seed %q does not open to a data key: %v", s.Name, err)
		}
		sealed[string(env)] = pt
	}
	f.Fuzz(func(t *testing.T, envelope []byte) {
		pt, err := u.Unwrap(ctx, envelope, nil)
		e, perr := cms.Parse(envelope)
		if perr != nil {
			requireClass(t, "cms.Parse", perr, ErrMalformedEnvelope)
			if err == nil || !errors.Is(err, ErrMalformedEnvelope) {
				t.Fatalf("the parser refuses the envelope (%v) but Unwrap says %v", perr, err)
			}
			return
		}
		again, err2 := e.Marshal()
		if err2 != nil {
			t.Fatalf("a parsed envelope does not re-encode: %v", err2)
		}
		e2, err2 := cms.Parse(again)
		if err2 != nil {
			t.Fatalf("a re-encoded envelope does not parse: %v", err2)
		}
		if !bytes.Equal(e.KeyID, e2.KeyID) || !bytes.Equal(e.EncryptedKey, e2.EncryptedKey) ||
			!bytes.Equal(e.IV, e2.IV) || !bytes.Equal(e.Content, e2.Content) {
			t.Fatalf("re-encoding the envelope changes its fields")
		}
		want, isSealed := sealed[string(envelope)]
		if err != nil {
			requireClass(t, "Unwrap", err, ErrMalformedEnvelope, ErrDecrypt)
			if isSealed {
				t.Fatalf("an envelope we sealed does not open: %v", err)
			}
			if !bytes.Equal(e.KeyID, keyID) && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("an envelope for another recipient fails with %v, want ErrDecrypt", err)
			}
			return
		}
		if !bytes.Equal(e.KeyID, keyID) {
			t.Fatalf("an envelope for another recipient opened")
		}
		if len(pt) >= len(e.Content) || len(pt) < len(e.Content)-cms.IVSize {
			t.Fatalf("%d bytes of content opened to %d bytes", len(e.Content), len(pt))
		}
		if isSealed && !bytes.Equal(pt, want) {
			t.Fatalf("an envelope we sealed opened to other bytes")
		}
	})
}
