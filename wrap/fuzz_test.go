package wrap

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/wrap/internal/cms"
	"github.com/ecdkp/ecdkp/wrap/internal/cms/cmstest"
	"github.com/veraison/go-cose"
)

// The fuzz targets of the unwrappers and the attestation verifier. Every
// key they use is fixed (derived from constants), so the envelopes and
// documents checked in under testdata/fuzz/<FuzzName>/ open in every run.
// Each target checks that nothing panics, that every error wraps exactly
// one of the package's classes (the ones its doc comment promises), and
// that what opens or verifies is something we sealed or signed: the fuzzer
// can mutate envelopes but cannot forge an AEAD tag, an RSA-OAEP or SM2
// ciphertext or an ECDSA signature.

// fzRSAKeyB64 is a test-only RSA-2048 key (PKCS#1 DER, base64), made with
// `openssl genpkey` for these targets; it protects nothing. RSA key
// generation is random and slow, and the checked-in envelopes must open.
const fzRSAKeyB64 = `
MIIEpAIBAAKCAQEA63WQ53xsH44AKemOayilHEkJ+l/Z0hWcIAFKgdFyB74fwfyTKqoKohcanwqr
JEfO2rBspmVJyGBC6/MlaBJWHE2pQEHp/efAwKu0vnJXcuFe4L8Nn/i0foAWLPltVirz005DpbhU
xgQTE6UOqA2uGSidakEeBCJ2cLlhh1VuqRgzKJL/x/g635u8x8T0QxrTM6/pSrtdPp0rRv7JV3aN
PCiuyTZPhuFj6Ubtl5ZlWqxn4K9IUZNupgE+/bvb/vNmsdDWz4IutCYHKHxh2gPaSwdaELTLUIX7
yUHS2Vnf6vzkuX/+JSSjj1/jFLHgjNIIYjH2LCm0dfY/RZ9Rt2SpaQIDAQABAoIBADWtgSHMsyeE
a1QiuwWB6BYpLn2mMVWb+JIxSSeMNHdAaCQErRYqWq82HisItxhXyHgBhVtvtuDX1RnOPgZaO8hL
Ch0siagJF9+0pUlPbtExQLxywavo+ljmYWfSWxMsSpau/mv+uFDGKAUv+UXljH2OzUgmXS3rH142
XN4J42bnvfyNujXc/uWxtmf5R7GTAp5gDG5c6TbLRmvz5lY61XPzvFKxcTUQF3vWBzkSILmk5iqx
4UMMcII0ydju/cUMlP3C/Km2P0l/q1lbbCYDB6W9LiDr8ybGtolmVi0HKcqiKCtHwee8N9V7bDez
q0sV8P94SFd332i+MtmTRh6RuRsCgYEA9oB0bWHU9XXMEnN9j2vBHyC5iW/k5ZMMk0rcdS4Jhduo
iTPZHTnKdg7tXmNLTZN9V5RYIconW9a58KxZs+T2OW9Uzy3BSVO94H2DAH3CbrUfi75pXAC4/7i2
Ph5dw7/gO/FeNajsGTA4lfNQIeFOoD+PaAu2FkSGL2htAxtggrcCgYEA9IgvdBp3u1s4G5gyh5WM
x0ixmW3AuOgizMFzdwC8nbYaGvhCt3RMC7GynZqvE7Q0gdSnenkIwGgfeb3ojHVYRbsLTWaSb3o/
IiKjRSY6HA8iz7L1VzDbnu1pr/fd7jMdXX5GPhJgzBIuKzo2O0KV2cymCWf5+zTc4ed+B75HlN8C
gYAZ4o9XVSipxf7yCRKsVuJmxGb3WbqtqO1vIjNYUsdJOTHPhpRMD1+FWjfu63pi4RQOeFNw6OuN
J1VLQq4AyBBbI6fCQcnES3jq9AMnsA0U1wxC/nHN6X2DzP/GMiYigimn4cbE18JDOt8WUACgLiq1
hTcn8+LhH7z/iXW5F8zgrQKBgQC1uIsDTjQSULzGjPloFvQymMwayBxDjYdnAJBNLIf+7/hAeKQj
71IgEqM5Sl23V+D5Zs47Trz5N6fEciPiVcYOs+y3TXWfUIqgVHtfBQSEG590GHsIm69qUOaMtbgA
r42wEAolUMUMgqo6x5zLtzTjUZlGPjXgwC0x2DWpjXdmowKBgQDwAfqc7mwnIBc8lL3UAFa0oci0
mo6+kMYZpAfGcGUB8s3ZuwjM8XD7MGLTj0sHGUMQcn9FwlTdt/cZ/OrIddsW9Sbt5lLatiXH3XW8
9CU/Opf6625s1p3sBQCqcVqf5LXHlmso2qUp7AwJA3dwYgsBwO+obvyKPMKoZWjtvL0Qgg==
`

var fzRSAKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(fzRSAKeyB64), ""))
	if err != nil {
		return nil, err
	}
	return x509.ParsePKCS1PrivateKey(der)
})

func fzRSA(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	k, err := fzRSAKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// fzScalar is a fixed scalar of size bytes: a zero byte (so it is below
// every curve's order) then a pattern seeded by seed.
func fzScalar(size int, seed byte) []byte {
	s := make([]byte, size)
	for i := 1; i < size; i++ {
		s[i] = byte(i)*seed + 0x3c
	}
	return s
}

// fzCurveKey is the fixed private key of spec for seed.
func fzCurveKey(tb testing.TB, spec curves.Spec, seed byte) *curves.PrivateKey {
	tb.Helper()
	c, err := curves.Lookup(spec)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := c.NewPrivateKey(fzScalar(c.ScalarSize(), seed))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// fzDataKeys returns the PKCS#8 of a fixed data key pair of every spec,
// the plaintexts every seed envelope seals.
func fzDataKeys(tb testing.TB) map[curves.Spec][]byte {
	tb.Helper()
	out := map[curves.Spec][]byte{}
	for _, spec := range curves.Specs() {
		der, err := encoding.MarshalPKCS8(fzCurveKey(tb, spec, 7))
		if err != nil {
			tb.Fatal(err)
		}
		out[spec] = der
	}
	return out
}

// fzIsDataKey reports whether pt is one of fzDataKeys' plaintexts.
func fzIsDataKey(keys map[curves.Spec][]byte, pt []byte) bool {
	for _, k := range keys {
		if bytes.Equal(k, pt) {
			return true
		}
	}
	return false
}

// fzWrapClasses are the error classes of package wrap.
var fzWrapClasses = []error{ErrInvalidWrappingKey, ErrUnsupportedAlgorithm, ErrInvalidAttestation,
	ErrMalformedEnvelope, ErrDecrypt, ErrKeyUnavailable}

// fzRequireClass fails unless err wraps exactly one of the package's
// classes and that one is among allowed.
func fzRequireClass(t *testing.T, what string, err error, allowed ...error) {
	t.Helper()
	var in []error
	for _, c := range fzWrapClasses {
		if errors.Is(err, c) {
			in = append(in, c)
		}
	}
	if len(in) != 1 || !slices.Contains(allowed, in[0]) {
		t.Fatalf("%s: error %q wraps the classes %v, want exactly one of %v", what, err, in, allowed)
	}
}

// fzSeed is one seed input: its arguments, and a name for the checked-in
// corpus file.
type fzSeed struct {
	name string
	args []any
}

var fzAAD = []byte("fuzz aad")

// Master-key envelopes.

// fzMasterKeys are the two fixed master keys (AES-256-GCM and SM4-GCM), each
// with two versions; fzMasterKeyAt is the same key as it was when version v
// was current.
func fzMasterKeyAt(tb testing.TB, alg Algorithm, v int) *testMasterKey {
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

// fzNonces is a deterministic nonce source for label.
func fzNonces(label string) io.Reader {
	sum := sha256.Sum256([]byte(label))
	return bytes.NewReader(sum[:MasterNonceSize])
}

type fzSealedKey struct {
	alg           Algorithm
	spec          curves.Spec
	envelope, aad string
}

// fzMasterSeeds seals every data key under both master keys at both
// versions, with and without AAD, with deterministic nonces; it returns the
// seeds and what each (key, spec, envelope, aad) opens to.
func fzMasterSeeds(tb testing.TB) ([]fzSeed, map[fzSealedKey][]byte) {
	tb.Helper()
	data := fzDataKeys(tb)
	sealed := map[fzSealedKey][]byte{}
	var seeds []fzSeed
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		for v := 1; v <= 2; v++ {
			for _, spec := range curves.Specs() {
				for _, aad := range [][]byte{nil, fzAAD} {
					label := fmt.Sprintf("%s v%d %s aad=%q", alg, v, spec, aad)
					w := MasterKeyWrapper{Key: fzMasterKeyAt(tb, alg, v), Spec: spec, Rand: fzNonces(label)}
					env, err := w.Wrap(context.Background(), data[spec], aad)
					if err != nil {
						tb.Fatal(err)
					}
					sealed[fzSealedKey{alg, spec, string(env), string(aad)}] = data[spec]
					seeds = append(seeds, fzSeed{"valid " + label, []any{env, aad}})
				}
			}
		}
	}
	// Interesting invalid ones, from the first AES envelope.
	env := seeds[0].args[0].([]byte)
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), env...)) }
	seeds = append(seeds,
		fzSeed{"truncated to the overhead", []any{env[:MasterOverhead], []byte(nil)}},
		fzSeed{"header only", []any{env[:MasterHeaderSize], []byte(nil)}},
		fzSeed{"bad magic", []any{mod(func(b []byte) []byte { b[3] = '2'; return b }), []byte(nil)}},
		fzSeed{"unknown algorithm", []any{mod(func(b []byte) []byte { b[4] = 3; return b }), []byte(nil)}},
		fzSeed{"SM4 algorithm byte", []any{mod(func(b []byte) []byte { b[4] = byte(SM4GCM); return b }), []byte(nil)}},
		fzSeed{"unknown version", []any{mod(func(b []byte) []byte { b[24] = 9; return b }), []byte(nil)}},
		fzSeed{"other key id", []any{mod(func(b []byte) []byte { b[5] ^= 1; return b }), []byte(nil)}},
		fzSeed{"flipped tag", []any{mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), []byte(nil)}},
		fzSeed{"wrong aad", []any{env, []byte("other")}},
	)
	return seeds, sealed
}

// FuzzMasterKeyUnwrap opens arbitrary envelopes with arbitrary AAD under
// both fixed master keys, for every key spec. Exactly the envelopes we
// sealed open, with the AAD and spec they were sealed with, to the
// plaintext we sealed; everything else fails with ErrMalformedEnvelope,
// ErrDecrypt or ErrKeyUnavailable.
func FuzzMasterKeyUnwrap(f *testing.F) {
	seeds, sealed := fzMasterSeeds(f)
	for _, s := range seeds {
		f.Add(s.args[0].([]byte), s.args[1].([]byte))
	}
	fzWriteSeeds(f, "FuzzMasterKeyUnwrap", seeds, func(name string) bool {
		switch name {
		case `valid AES-256-GCM v1 ECC_NIST_P256 aad=""`, `valid AES-256-GCM v2 ECC_NIST_P521 aad="fuzz aad"`,
			`valid SM4-GCM v2 SM2 aad="fuzz aad"`, `valid SM4-GCM v1 ECC_SECG_P256K1 aad=""`:
			return true
		}
		return !strings.HasPrefix(name, "valid")
	})
	type unwrapper struct {
		alg  Algorithm
		spec curves.Spec
		u    Unwrapper
	}
	var us []unwrapper
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		for _, spec := range curves.Specs() {
			us = append(us, unwrapper{alg, spec, MasterKeyUnwrapper{Key: fzMasterKeyAt(f, alg, 2), Spec: spec}})
		}
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, envelope, aad []byte) {
		_, headerErr := ParseMasterHeader(envelope)
		for _, u := range us {
			want, isSealed := sealed[fzSealedKey{u.alg, u.spec, string(envelope), string(aad)}]
			pt, err := u.u.Unwrap(ctx, envelope, aad)
			what := fmt.Sprintf("%s/%s", u.alg, u.spec)
			if err != nil {
				fzRequireClass(t, what, err, ErrMalformedEnvelope, ErrDecrypt, ErrKeyUnavailable)
				if isSealed {
					t.Fatalf("%s: an envelope we sealed does not open: %v", what, err)
				}
				if headerErr != nil && !errors.Is(err, ErrMalformedEnvelope) {
					t.Fatalf("%s: header is malformed (%v) but Unwrap says %v", what, headerErr, err)
				}
				continue
			}
			if !isSealed {
				t.Fatalf("%s: an envelope we did not seal (or with another AAD) opened", what)
			}
			if !bytes.Equal(pt, want) {
				t.Fatalf("%s: envelope opened to another plaintext than the one sealed", what)
			}
		}
	})
}

// Custom-key envelopes.

// fzCustomHolder is the fixed holder private key of a custom-key algorithm.
func fzCustomHolder(tb testing.TB, alg string) any {
	tb.Helper()
	switch alg {
	case RSAESOAEPSHA256AES256KeyWrap:
		return fzRSA(tb)
	case SM2EnvelopedKey:
		return fzCurveKey(tb, curves.SM2, 9)
	}
	return fzCurveKey(tb, ckHPKESuites[alg].spec, 9)
}

// fzCustomSeeds wraps the data key of every spec an algorithm takes with
// every algorithm for its fixed holder, with and without AAD, and adds a
// few broken envelopes.
func fzCustomSeeds(tb testing.TB) []fzSeed {
	tb.Helper()
	data := fzDataKeys(tb)
	var seeds []fzSeed
	for i, alg := range CustomKeyAlgorithms() {
		holder := fzCustomHolder(tb, alg)
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
			for _, aad := range [][]byte{nil, fzAAD} {
				env, err := w.Wrap(context.Background(), data[spec], aad)
				if err != nil {
					tb.Fatal(err)
				}
				seeds = append(seeds, fzSeed{fmt.Sprintf("valid %s %s aad=%q", alg, spec, aad), []any{uint8(i), env, aad}})
			}
		}
	}
	find := func(name string) []any {
		for _, s := range seeds {
			if s.name == name {
				return s.args
			}
		}
		tb.Fatalf("no seed %q", name)
		return nil
	}
	rsaEnv := find(fzCustomRSASeed)[1].([]byte)
	hpke := find(fzCustomHPKESeed)
	flipped := append([]byte(nil), hpke[1].([]byte)...)
	flipped[70] ^= 0x40 // in the ciphertext, after the 65-byte enc
	sm2Env := find(fzCustomSM2Seed)[1].([]byte)
	return append(seeds,
		fzSeed{"RSA key wrap truncated by 8", []any{uint8(0), rsaEnv[:len(rsaEnv)-8], []byte(nil)}},
		fzSeed{"HPKE ciphertext flipped", []any{hpke[0], flipped, hpke[2]}},
		fzSeed{"SM2 envelope to the RSA unwrapper", []any{uint8(0), sm2Env, []byte(nil)}},
	)
}

// Names of the custom-key seeds that are checked in.
const (
	fzCustomRSASeed  = `valid RSAES_OAEP_SHA_256_AES_256_KEY_WRAP ECC_NIST_P256 aad=""`
	fzCustomSM2Seed  = `valid SM2_ENVELOPED_KEY SM2 aad=""`
	fzCustomHPKESeed = `valid HPKE_P256_SHA256_AES_256_GCM ECC_NIST_P256 aad="fuzz aad"`
)

// FuzzCustomKeyUnwrap opens arbitrary envelopes with the unwrapper of the
// algorithm the first argument selects (modulo their number), with fixed
// holder keys. Errors are ErrMalformedEnvelope or ErrDecrypt; what opens is
// one of the data keys we sealed; the HPKE envelopes bind the AAD (another
// AAD fails), the RSA and SM2 ones ignore it (another AAD opens the same).
func FuzzCustomKeyUnwrap(f *testing.F) {
	seeds := fzCustomSeeds(f)
	for _, s := range seeds {
		f.Add(s.args[0].(uint8), s.args[1].([]byte), s.args[2].([]byte))
	}
	fzWriteSeeds(f, "FuzzCustomKeyUnwrap", seeds, func(name string) bool {
		switch name {
		case fzCustomRSASeed, fzCustomSM2Seed, fzCustomHPKESeed,
			`valid HPKE_P384_SHA384_AES_256_GCM SM2 aad=""`, `valid HPKE_P521_SHA512_AES_256_GCM ECC_NIST_P256 aad="fuzz aad"`:
			return true
		}
		return !strings.HasPrefix(name, "valid")
	})
	algs := CustomKeyAlgorithms()
	us := make([]Unwrapper, len(algs))
	for i, alg := range algs {
		u, err := NewCustomKeyUnwrapper(alg, fzCustomHolder(f, alg))
		if err != nil {
			f.Fatal(err)
		}
		us[i] = u
	}
	data := fzDataKeys(f)
	ctx := context.Background()
	for _, s := range fzValid(fzCorpus(f, "FuzzCustomKeyUnwrap")) {
		i := int(s.args[0].(uint8)) % len(algs)
		if pt, err := us[i].Unwrap(ctx, s.args[1].([]byte), s.args[2].([]byte)); err != nil || !fzIsDataKey(data, pt) {
			f.Fatalf("checked-in seed %q does not open to a data key: %v", s.name, err)
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, envelope, aad []byte) {
		i := int(sel) % len(algs)
		alg, u := algs[i], us[i]
		pt, err := u.Unwrap(ctx, envelope, aad)
		if err != nil {
			fzRequireClass(t, alg, err, ErrMalformedEnvelope, ErrDecrypt)
			return
		}
		if !fzIsDataKey(data, pt) {
			t.Fatalf("%s: envelope opened to a plaintext we never sealed", alg)
		}
		other := append(append([]byte(nil), aad...), 'x')
		pt2, err := u.Unwrap(ctx, envelope, other)
		if _, hpke := ckHPKESuites[alg]; hpke {
			if err == nil {
				t.Fatalf("%s: envelope opened under another AAD", alg)
			}
			fzRequireClass(t, alg, err, ErrDecrypt)
		} else if err != nil || !bytes.Equal(pt2, pt) {
			t.Fatalf("%s ignores the AAD, but another AAD gives err %v", alg, err)
		}
	})
}

// Attestation recipient (CMS EnvelopedData).

// fzRecipientSeeds are envelopes of data keys for the fixed RSA key, their
// definite-length (DER) forms, and the BER envelope KMS returned in the AWS
// SDK's tests (for another key).
func fzRecipientSeeds(tb testing.TB) []fzSeed {
	tb.Helper()
	priv := fzRSA(tb)
	spki, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := NewRecipientWrapper(&Attestation{PublicKey: spki}, KeyEncryptionRSAESOAEPSHA256)
	if err != nil {
		tb.Fatal(err)
	}
	data := fzDataKeys(tb)
	var seeds []fzSeed
	for _, spec := range []curves.Spec{curves.P256, curves.SM2, curves.P521} {
		env, err := w.Wrap(context.Background(), data[spec], nil)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, fzSeed{"valid " + string(spec), []any{env}})
	}
	der, err := cms.BERToDER(seeds[0].args[0].([]byte))
	if err != nil {
		tb.Fatal(err)
	}
	sample := cmstest.KMSSample(tb)
	sampleDER, err := cms.BERToDER(sample)
	if err != nil {
		tb.Fatal(err)
	}
	return append(seeds,
		fzSeed{"valid P256 definite lengths", []any{der}},
		fzSeed{"KMS sample (BER)", []any{sample}},
		fzSeed{"KMS sample (DER)", []any{sampleDER}},
	)
}

// fzCorpus reads the checked-in seed corpus of target (files in the "go
// test fuzz v1" format holding []byte, byte and bool values), as seeds named
// by their file names.
func fzCorpus(tb testing.TB, target string) []fzSeed {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []fzSeed
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) == 0 || lines[0] != "go test fuzz v1" {
			tb.Fatalf("%s: not a go test fuzz v1 file", name)
		}
		seed := fzSeed{name: filepath.Base(name)}
		for _, line := range lines[1:] {
			typ, lit, ok := strings.Cut(line, "(")
			lit, ok2 := strings.CutSuffix(lit, ")")
			if !ok || !ok2 {
				tb.Fatalf("%s: cannot read %q", name, line)
			}
			var v any
			switch typ {
			case "[]byte":
				var s string
				if s, err = strconv.Unquote(lit); err == nil {
					v = []byte(s)
				}
			case "byte", "uint8":
				var s string
				if s, err = strconv.Unquote(lit); err == nil && len([]rune(s)) == 1 && []rune(s)[0] < 256 {
					v = uint8([]rune(s)[0])
				} else {
					var n uint64
					n, err = strconv.ParseUint(lit, 0, 8)
					v = uint8(n)
				}
			case "bool":
				v, err = strconv.ParseBool(lit)
			default:
				err = fmt.Errorf("type %s", typ)
			}
			if err != nil {
				tb.Fatalf("%s: cannot read %q: %v", name, line, err)
			}
			seed.args = append(seed.args, v)
		}
		out = append(out, seed)
	}
	return out
}

// fzWriteSeeds writes the seeds keep selects to target's checked-in corpus,
// testdata/fuzz/<target>/<name>, when ECDKP_FUZZ_WRITE_SEEDS=1 is set:
//
//	ECDKP_FUZZ_WRITE_SEEDS=1 go test -run '^Fuzz' ./wrap/
//
// Run it when the envelopes change (an algorithm, a layout or a key
// identifier), after which the checked-in valid seeds no longer open and
// the targets fail at setup. Files of other names (crashers kept as
// regression seeds) are left alone.
func fzWriteSeeds(tb testing.TB, target string, seeds []fzSeed, keep func(name string) bool) {
	tb.Helper()
	if os.Getenv("ECDKP_FUZZ_WRITE_SEEDS") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, s := range seeds {
		if !keep(s.name) {
			continue
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range s.args {
			switch v := a.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case uint8:
				fmt.Fprintf(&b, "byte(%q)\n", v)
			default:
				tb.Fatalf("seed %q: cannot write a %T", s.name, a)
			}
		}
		name := strings.Trim(strings.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(s.name)), "-")
		for strings.Contains(name, "--") {
			name = strings.ReplaceAll(name, "--", "-")
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// fzValid returns the seeds whose names say they are valid.
func fzValid(seeds []fzSeed) []fzSeed {
	var out []fzSeed
	for _, s := range seeds {
		if strings.HasPrefix(s.name, "valid") {
			out = append(out, s)
		}
	}
	return out
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
	seeds := fzRecipientSeeds(f)
	for _, s := range seeds {
		f.Add(s.args[0].([]byte))
	}
	fzWriteSeeds(f, "FuzzRecipientUnwrap", seeds, func(string) bool { return true })
	priv := fzRSA(f)
	u, err := NewRecipientUnwrapper(priv)
	if err != nil {
		f.Fatal(err)
	}
	keyID := RecipientKeyIdentifier(&priv.PublicKey)
	ctx := context.Background()
	// What the envelopes made here and checked in open to.
	sealed := map[string][]byte{}
	data := fzDataKeys(f)
	for _, s := range fzValid(append(fzCorpus(f, "FuzzRecipientUnwrap"), seeds...)) {
		env := s.args[0].([]byte)
		pt, err := u.Unwrap(ctx, env, nil)
		if err != nil || !fzIsDataKey(data, pt) {
			f.Fatalf("seed %q does not open to a data key: %v", s.name, err)
		}
		sealed[string(env)] = pt
	}
	f.Fuzz(func(t *testing.T, envelope []byte) {
		pt, err := u.Unwrap(ctx, envelope, nil)
		e, perr := cms.Parse(envelope)
		if perr != nil {
			fzRequireClass(t, "cms.Parse", perr, ErrMalformedEnvelope)
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
			fzRequireClass(t, "Unwrap", err, ErrMalformedEnvelope, ErrDecrypt)
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

// Attestation documents.

// fzPKI is the Nitro-like test PKI with fixed ECDSA P-384 keys, so the
// checked-in documents (signed in an earlier run, with certificates issued
// then) verify against this run's root: same subject, same key.
func fzPKI(tb testing.TB) *nitrotest.PKI {
	tb.Helper()
	key := func(seed byte) *ecdsa.PrivateKey {
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P384(), fzScalar(48, seed))
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	now := nitrotest.Now
	p := &nitrotest.PKI{RootKey: key(1), InterKey: key(2), LeafKey: key(3)}
	p.RootDER, p.Root = nitrotest.Cert(tb, "test.nitro-enclaves", &p.RootKey.PublicKey, nil, p.RootKey, true,
		now.AddDate(-5, 0, 0), now.AddDate(25, 0, 0))
	p.InterDER, p.Inter = nitrotest.Cert(tb, "zonal.test.nitro-enclaves", &p.InterKey.PublicKey, p.Root, p.RootKey, true,
		now.AddDate(0, 0, -10), now.AddDate(0, 0, 20))
	p.LeafDER = p.NewLeaf(tb, &p.LeafKey.PublicKey, false, now.Add(-time.Hour), now.Add(2*time.Hour))
	return p
}

// fzAttVariant is one payload we sign, by the changes it makes to
// nitrotest's valid fields, and what a verified document of it must say.
type fzAttVariant struct {
	name   string
	mutate func(map[string]any)
	want   Attestation // Certificate is not compared
}

func fzAttVariants(tb testing.TB) []fzAttVariant {
	tb.Helper()
	spki, err := x509.MarshalPKIXPublicKey(&fzRSA(tb).PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	base := Attestation{
		ModuleID:  "i-0123456789abcdef0-enc0123456789abcdef",
		Timestamp: nitrotest.Now.Add(-time.Second),
		Digest:    "SHA384",
		PCRs:      map[int][]byte{0: nitrotest.PCR(0x10), 1: nitrotest.PCR(0x20), 2: nitrotest.PCR(0x30), 4: nitrotest.PCR(0x40)},
		PublicKey: spki,
		Nonce:     []byte("0123456789abcdef"),
	}
	withUser := base
	withUser.UserData, withUser.Nonce = []byte("user data"), nil
	onePCR := base
	onePCR.PCRs = map[int][]byte{31: nitrotest.PCR(0x99)}
	return []fzAttVariant{
		{"plain", func(map[string]any) {}, base},
		{"user_data, null nonce", func(f map[string]any) { f["user_data"], f["nonce"] = []byte("user data"), nil }, withUser},
		{"one PCR", func(f map[string]any) { f["pcrs"] = map[uint64][]byte{31: nitrotest.PCR(0x99)} }, onePCR},
	}
}

// fzAttSeeds are valid documents of every variant (untagged and tagged)
// and documents each verification step refuses.
func fzAttSeeds(tb testing.TB, p *nitrotest.PKI) []fzSeed {
	tb.Helper()
	variants := fzAttVariants(tb)
	fields := func(mutate func(map[string]any)) map[string]any {
		f := p.Fields(variants[0].want.PublicKey)
		mutate(f)
		return f
	}
	var seeds []fzSeed
	for _, v := range variants {
		for _, tagged := range []bool{false, true} {
			doc := nitrotest.Sign(tb, nitrotest.Payload(tb, fields(v.mutate)), cose.AlgorithmES384, p.LeafKey, tagged)
			seeds = append(seeds, fzSeed{fmt.Sprintf("valid %s tagged=%v", v.name, tagged), []any{doc}})
		}
	}
	stranger := nitrotest.NewPKI(tb) // random keys: its root is not trusted
	p256 := nitrotest.Key(tb, elliptic.P256())
	doc := func(mutate func(map[string]any)) []byte { return p.Doc(tb, fields(mutate)) }
	return append(seeds,
		fzSeed{"unknown root", []any{stranger.Doc(tb, stranger.Fields(variants[0].want.PublicKey))}},
		fzSeed{"ES256", []any{nitrotest.Sign(tb, nitrotest.Payload(tb, fields(func(map[string]any) {})), cose.AlgorithmES256, p256, false)}},
		fzSeed{"timestamp in the future", []any{doc(func(f map[string]any) { f["timestamp"] = uint64(nitrotest.Now.Add(time.Hour).UnixMilli()) })}},
		fzSeed{"expired leaf", []any{doc(func(f map[string]any) {
			f["certificate"] = p.NewLeaf(tb, &p.LeafKey.PublicKey, false, nitrotest.Now.Add(-4*time.Hour), nitrotest.Now.Add(-time.Hour))
		})}},
		fzSeed{"missing intermediate", []any{doc(func(f map[string]any) { f["cabundle"] = [][]byte{p.RootDER} })}},
		fzSeed{"unknown field", []any{doc(func(f map[string]any) { f["extra"] = 1 })}},
		fzSeed{"missing pcrs", []any{doc(func(f map[string]any) { delete(f, "pcrs") })}},
		fzSeed{"payload not a map", []any{nitrotest.Sign(tb, nitrotest.Payload(tb, []string{"module_id"}), cose.AlgorithmES384, p.LeafKey, false)}},
	)
}

// FuzzAttestationVerify verifies arbitrary documents with a NitroVerifier
// trusting the fixed test root at nitrotest.Now. Every error wraps
// ErrInvalidAttestation (and no other class); a document that verifies was
// signed by the fixed leaf key and says what one of the signed payloads
// says.
func FuzzAttestationVerify(f *testing.F) {
	p := fzPKI(f)
	seeds := fzAttSeeds(f, p)
	for _, s := range seeds {
		f.Add(s.args[0].([]byte))
	}
	fzWriteSeeds(f, "FuzzAttestationVerify", seeds, func(name string) bool {
		switch name {
		case "valid plain tagged=true", "valid user_data, null nonce tagged=false", "valid one PCR tagged=true":
			return false
		}
		return true
	})
	v := nitroVerifier(f, p)
	for _, s := range fzValid(append(fzCorpus(f, "FuzzAttestationVerify"), seeds...)) {
		if _, err := v.Verify(s.args[0].([]byte)); err != nil {
			f.Fatalf("seed %q does not verify: %v", s.name, err)
		}
	}
	variants := fzAttVariants(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		att, err := v.Verify(doc)
		if err != nil {
			fzRequireClass(t, "Verify", err, ErrInvalidAttestation)
			if att != nil {
				t.Fatalf("Verify returned an attestation with its error")
			}
			return
		}
		if att.Certificate == nil || !p.LeafKey.PublicKey.Equal(att.Certificate.PublicKey) {
			t.Fatalf("a document verified whose leaf certificate is not the fixed leaf key's")
		}
		for _, v := range variants {
			w := v.want
			if att.ModuleID == w.ModuleID && att.Timestamp.Equal(w.Timestamp) && att.Digest == w.Digest &&
				maps.EqualFunc(att.PCRs, w.PCRs, bytes.Equal) && bytes.Equal(att.PublicKey, w.PublicKey) &&
				bytes.Equal(att.UserData, w.UserData) && (att.UserData == nil) == (w.UserData == nil) &&
				bytes.Equal(att.Nonce, w.Nonce) && (att.Nonce == nil) == (w.Nonce == nil) {
				return
			}
		}
		t.Fatalf("a verified document says what none of the signed payloads says: %+v", att)
	})
}
