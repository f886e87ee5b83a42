package conformance_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Vector counts, pinned so that a generator change that drops vectors (or
// a loop that runs none) is noticed.
const (
	wantKeys             = 36 // 6 of each EC spec, then 6 Ed25519 seeds
	wantEnvelopes        = 22
	wantDecodeNegatives  = 175 // 21 of them Ed25519's
	wantRequestNegatives = 55
	wantEnvelopesV2      = 35
	wantEnvV2Negatives   = 80
	wantAWSRequestNegs   = 31
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func parseFile[V any](t testing.TB, name string) []V {
	t.Helper()
	f, err := vectors.Parse[V](name, readTestdata(t, name))
	require.NoError(t, err)
	return f.Vectors
}

// TestVectorsRegenerate: the generator reproduces the checked-in files byte
// for byte, and testdata holds nothing else.
func TestVectorsRegenerate(t *testing.T) {
	files, err := vectors.Generate()
	require.NoError(t, err)
	again, err := vectors.Generate()
	require.NoError(t, err)
	assert.Equal(t, files, again, "Generate is deterministic")

	var names []string
	for name, want := range files {
		names = append(names, name)
		got := readTestdata(t, name)
		assert.True(t, bytes.Equal(want, got), "testdata/%s differs from the generator's output; run go generate ./conformance", name)
	}
	entries, err := os.ReadDir("testdata")
	require.NoError(t, err)
	var onDisk []string
	for _, e := range entries {
		onDisk = append(onDisk, e.Name())
	}
	slices.Sort(names)
	assert.Equal(t, names, onDisk)

	// The embedded copy is the same files.
	for _, name := range names {
		b, err := fs.ReadFile(conformance.Vectors(), name)
		require.NoError(t, err)
		assert.Equal(t, files[name], b, name)
	}
}

// TestVectorsSchema: every file has the common header, ids run from 1, and
// no field is unknown to the schema.
func TestVectorsSchema(t *testing.T) {
	for name, want := range map[string]int{
		vectors.KeysFile: wantKeys, vectors.EnvelopesFile: wantEnvelopes,
		vectors.DecodeNegativesFile: wantDecodeNegatives, vectors.RequestNegativesFile: wantRequestNegatives,
		vectors.EnvelopesV2File: wantEnvelopesV2, vectors.EnvelopeV2NegativesFile: wantEnvV2Negatives,
		vectors.AWSRequestNegativesFile: wantAWSRequestNegs,
	} {
		t.Run(name, func(t *testing.T) {
			var f vectors.File[struct {
				ID      int    `json:"id"`
				Comment string `json:"comment"`
			}]
			require.NoError(t, json.Unmarshal(readTestdata(t, name), &f))
			assert.Equal(t, vectors.Schema, f.Schema)
			assert.Equal(t, strings.TrimSuffix(name, ".json"), f.Name)
			assert.NotEmpty(t, f.Description)
			assert.Equal(t, want, f.Count)
			require.Len(t, f.Vectors, want)
			for i, v := range f.Vectors {
				assert.Equal(t, i+1, v.ID)
				assert.NotEmpty(t, v.Comment, "vector %d", v.ID)
			}
		})
	}
	_, err := vectors.Parse[vectors.Key](vectors.KeysFile, []byte(`{"schema":"other/v9","name":"keys","count":0,"vectors":[]}`))
	assert.ErrorContains(t, err, "schema")
	_, err = vectors.Parse[vectors.Key](vectors.KeysFile, []byte(`{"schema":"ecdkp-conformance/v1","name":"keys","count":2,"vectors":[]}`))
	assert.ErrorContains(t, err, "count")
}

// TestKeyVectors: each scalar (seed) gives the point and the encodings, and
// each encoding parses back to the scalar. Ed25519 has no SEC1; its bytes
// are also checked against crypto/ed25519 and crypto/x509.
func TestKeyVectors(t *testing.T) {
	ran := map[curves.Spec]int{}
	for _, v := range parseFile[vectors.Key](t, vectors.KeysFile) {
		c, err := curves.Lookup(curves.Spec(v.KeySpec))
		require.NoError(t, err)
		priv, err := c.NewPrivateKey(v.Scalar)
		require.NoError(t, err, "vector %d", v.ID)
		assert.Equal(t, []byte(v.PublicPoint), priv.PublicKey().Bytes(), "vector %d point", v.ID)
		spki, err := encoding.MarshalSPKI(priv.PublicKey())
		require.NoError(t, err)
		assert.Equal(t, []byte(v.SPKI), spki, "vector %d SPKI", v.ID)
		p8, err := encoding.MarshalPKCS8(priv)
		require.NoError(t, err)
		assert.Equal(t, []byte(v.PKCS8), p8, "vector %d PKCS#8", v.ID)
		type privateForm struct {
			name  string
			der   []byte
			parse func([]byte) (*curves.PrivateKey, error)
		}
		privateForms := []privateForm{{"PKCS#8", v.PKCS8, encoding.ParsePKCS8}}
		if curves.TypeOf(c) == curves.EC {
			sec1, err := encoding.MarshalSEC1(priv)
			require.NoError(t, err)
			assert.Equal(t, []byte(v.SEC1), sec1, "vector %d SEC1", v.ID)
			privateForms = append(privateForms, privateForm{"SEC1", v.SEC1, encoding.ParseSEC1})
		} else {
			assert.Empty(t, v.SEC1, "vector %d: %s has no SEC1", v.ID, c.Spec())
			_, err := encoding.MarshalSEC1(priv)
			assert.ErrorIs(t, err, encoding.ErrUnsupportedAlgorithm)
			checkEd25519Vector(t, v)
		}

		pub, err := encoding.ParseSPKI(v.SPKI)
		require.NoError(t, err)
		assert.True(t, pub.Equal(priv.PublicKey()))
		for _, in := range privateForms {
			got, err := in.parse(in.der)
			require.NoError(t, err, "vector %d %s", v.ID, in.name)
			assert.True(t, got.Equal(priv), "vector %d %s", v.ID, in.name)
		}
		ran[c.Spec()]++
	}
	assert.Equal(t, map[curves.Spec]int{curves.P256: 6, curves.P384: 6, curves.P521: 6, curves.Secp256k1: 6, curves.SM2: 6, curves.Ed25519: 6}, ran)
}

// checkEd25519Vector holds an Ed25519 key vector to the standard library:
// the seed's public key and the encodings of crypto/x509.
func checkEd25519Vector(t *testing.T, v vectors.Key) {
	t.Helper()
	require.Len(t, v.Scalar, ed25519.SeedSize, "vector %d", v.ID)
	std := ed25519.NewKeyFromSeed(v.Scalar)
	assert.Equal(t, []byte(std.Public().(ed25519.PublicKey)), []byte(v.PublicPoint), "vector %d: crypto/ed25519's public key", v.ID)
	p8, err := x509.MarshalPKCS8PrivateKey(std)
	require.NoError(t, err)
	assert.Equal(t, p8, []byte(v.PKCS8), "vector %d: crypto/x509's PKCS#8", v.ID)
	spki, err := x509.MarshalPKIXPublicKey(std.Public())
	require.NoError(t, err)
	assert.Equal(t, spki, []byte(v.SPKI), "vector %d: crypto/x509's SPKI", v.ID)
}

// TestKeyVectorsBoundaries: the "max" scalars are the largest valid ones:
// one more is refused by the curve.
func TestKeyVectorsBoundaries(t *testing.T) {
	ran := 0
	for _, v := range parseFile[vectors.Key](t, vectors.KeysFile) {
		if !strings.Contains(v.Comment, "largest valid scalar") {
			continue
		}
		spec := curves.Spec(v.KeySpec)
		c, err := curves.Lookup(spec)
		require.NoError(t, err)
		max := new(big.Int).SetBytes(v.Scalar)
		assert.Equal(t, vectors.MaxScalar(spec), max, spec)
		next := new(big.Int).Add(max, big.NewInt(1)).FillBytes(make([]byte, c.ScalarSize()))
		_, err = c.NewPrivateKey(next)
		assert.ErrorIs(t, err, curves.ErrInvalidPrivateKey, spec)
		ran++
	}
	assert.Equal(t, 5, ran)
}

// TestEnvelopeVectors: sealing envelope v1 with the vector's key and
// nonce gives the envelope exactly; opening it gives the plaintext, which
// is the PKCS#8 of the keys.json vector it names. The wrapper and
// unwrapper take the context, the Huawei context of the vector's AAD.
func TestEnvelopeVectors(t *testing.T) {
	keys := parseFile[vectors.Key](t, vectors.KeysFile)
	ctx := context.Background()
	algs := map[string]int{}
	for _, v := range parseFile[vectors.Envelope](t, vectors.EnvelopesFile) {
		mk, err := v.OpenKey()
		require.NoError(t, err, "vector %d", v.ID)
		spec := curves.Spec(v.KeySpec)
		bind := wrap.HuaweiContext(string(v.AAD))
		require.Len(t, v.Nonce, wrap.MasterNonceSize)
		w := wrap.MasterKeyWrapper{Key: mk, Spec: spec, Rand: bytes.NewReader(v.Nonce), V1: true}
		got, err := w.Wrap(ctx, v.Plaintext, bind)
		require.NoError(t, err)
		assert.Equal(t, []byte(v.Envelope), got, "vector %d: sealed envelope", v.ID)
		assert.Len(t, got, wrap.MasterOverhead+len(v.Plaintext))

		pt, err := wrap.MasterKeyUnwrapper{Key: mk, Spec: spec}.Unwrap(ctx, v.Envelope, bind)
		require.NoError(t, err, "vector %d", v.ID)
		assert.Equal(t, []byte(v.Plaintext), pt)
		require.True(t, v.PlaintextKey >= 1 && v.PlaintextKey <= len(keys))
		assert.Equal(t, keys[v.PlaintextKey-1].PKCS8, v.Plaintext, "vector %d: plaintext_key", v.ID)

		h, err := wrap.ParseMasterHeader(v.Envelope)
		require.NoError(t, err)
		assert.Equal(t, 1, h.Version)
		assert.Equal(t, v.KeyID, keystore.FormatKeyID(h.KeyID))
		assert.Equal(t, v.KeyVersion, h.KeyVersion)
		assert.Equal(t, []byte(v.Nonce), []byte(v.Envelope[wrap.MasterHeaderSize:wrap.MasterHeaderSize+wrap.MasterNonceSize]))
		wantAlg, ok := keystore.MasterKeySpec(v.Algorithm).Algorithm()
		require.True(t, ok)
		assert.Equal(t, wantAlg, h.Algorithm)
		assert.Equal(t, "EKP1", string(v.Envelope[:4]))
		algs[v.Algorithm]++
	}
	assert.Equal(t, map[string]int{"AES_256": 11, "SM4": 11}, algs)
}

// TestEnvelopeV2Vectors: the context is the binding of the vector's AAD or
// encryption context; the master key derives derived_key from the nonce;
// sealing with the key and nonce gives the envelope exactly, whose tail is
// XAES-256-GCM (or XSM4-GCM) of the plaintext under the master key with
// additional data header || context; opening it, with or without the key
// spec, gives the plaintext, the PKCS#8 of the keys.json vector it names.
func TestEnvelopeV2Vectors(t *testing.T) {
	keys := parseFile[vectors.Key](t, vectors.KeysFile)
	ctx := context.Background()
	kinds := map[string]int{}
	for _, v := range parseFile[vectors.EnvelopeV2](t, vectors.EnvelopesV2File) {
		mk, err := v.OpenKey()
		require.NoError(t, err, "vector %d", v.ID)
		spec := curves.Spec(v.KeySpec)
		switch v.Dialect {
		case vectors.DialectHuawei:
			assert.Nil(t, v.EncryptionContext, "vector %d", v.ID)
			assert.Equal(t, hex.EncodeToString(wrap.HuaweiContext(string(v.AAD))), hex.EncodeToString(v.Context), "vector %d: context of the AAD", v.ID)
		case vectors.DialectAWS:
			assert.Empty(t, v.AAD, "vector %d", v.ID)
			assert.Equal(t, hex.EncodeToString(wrap.AWSContext(v.EncryptionContext)), hex.EncodeToString(v.Context), "vector %d: context of the encryption context", v.ID)
		default:
			t.Fatalf("vector %d: dialect %q", v.ID, v.Dialect)
		}
		require.Len(t, v.Nonce, wrap.MasterV2NonceSize)

		kc, err := mk.Version(v.KeyVersion)
		require.NoError(t, err)
		kx, err := kc.(wrap.KeyDeriver).AppendDerivedKey(nil, v.Nonce)
		require.NoError(t, err)
		assert.Equal(t, []byte(v.DerivedKey), kx, "vector %d: derived_key", v.ID)

		w := wrap.MasterKeyWrapper{Key: mk, Spec: spec, Rand: bytes.NewReader(v.Nonce)}
		got, err := w.Wrap(ctx, v.Plaintext, v.Context)
		require.NoError(t, err)
		assert.Equal(t, []byte(v.Envelope), got, "vector %d: sealed envelope", v.ID)
		assert.Len(t, got, wrap.MasterV2Overhead(spec)+len(v.Plaintext))

		newX := wrap.NewXAES256GCM
		if v.Algorithm == string(keystore.SM4) {
			newX = wrap.NewXSM4GCM
		}
		x, err := newX(v.MasterKey)
		require.NoError(t, err)
		hdr := wrap.MasterV2FixedSize + len(v.KeySpec)
		ad := append(bytes.Clone(v.Envelope[:hdr]), v.Context...)
		assert.Equal(t, []byte(v.Envelope[hdr+wrap.MasterV2NonceSize:]), x.Seal(nil, v.Nonce, v.Plaintext, ad), "vector %d: X-GCM over header || context", v.ID)

		for _, s := range []curves.Spec{"", spec} {
			pt, err := wrap.MasterKeyUnwrapper{Key: mk, Spec: s}.Unwrap(ctx, v.Envelope, v.Context)
			require.NoError(t, err, "vector %d, spec %q", v.ID, s)
			assert.Equal(t, []byte(v.Plaintext), pt)
		}
		require.True(t, v.PlaintextKey >= 1 && v.PlaintextKey <= len(keys))
		assert.Equal(t, keys[v.PlaintextKey-1].PKCS8, v.Plaintext, "vector %d: plaintext_key", v.ID)

		h, err := wrap.ParseMasterHeader(v.Envelope)
		require.NoError(t, err)
		wantAlg, ok := keystore.MasterKeySpec(v.Algorithm).Algorithm()
		require.True(t, ok)
		assert.Equal(t, wrap.MasterHeader{Version: 2, Algorithm: wantAlg, KeyID: mk.ID(), KeyVersion: v.KeyVersion, KeySpec: spec, Size: hdr}, h)
		assert.Equal(t, v.KeyID, keystore.FormatKeyID(h.KeyID))
		assert.Equal(t, "EKP2", string(v.Envelope[:4]))
		assert.Equal(t, byte(map[string]int{"AES_256": 3, "SM4": 4}[v.Algorithm]), v.Envelope[4])
		assert.Equal(t, []byte(v.Nonce), []byte(v.Envelope[hdr:hdr+wrap.MasterV2NonceSize]))
		kinds[v.Algorithm+"/"+v.Dialect]++
	}
	assert.Equal(t, map[string]int{"AES_256/huawei": 11, "AES_256/aws": 7, "SM4/huawei": 11, "SM4/aws": 6}, kinds)
}

// TestEnvelopeV2EveryBitFlip: every single-bit flip of every envelopes_v2.json
// envelope is refused, as malformed or as not authentic, with and without
// the key spec.
func TestEnvelopeV2EveryBitFlip(t *testing.T) {
	ctx := context.Background()
	flips := 0
	for _, v := range parseFile[vectors.EnvelopeV2](t, vectors.EnvelopesV2File) {
		mk, err := v.OpenKey()
		require.NoError(t, err)
		for _, u := range []wrap.MasterKeyUnwrapper{{Key: mk}, {Key: mk, Spec: curves.Spec(v.KeySpec)}} {
			for i := range len(v.Envelope) * 8 {
				bad := bytes.Clone(v.Envelope)
				bad[i/8] ^= 1 << (i % 8)
				_, err := u.Unwrap(ctx, bad, v.Context)
				if err == nil {
					t.Fatalf("vector %d: bit %d flipped opens", v.ID, i)
				}
				if !errors.Is(err, wrap.ErrDecrypt) && !errors.Is(err, wrap.ErrMalformedEnvelope) && !errors.Is(err, wrap.ErrKeyUnavailable) {
					t.Fatalf("vector %d: bit %d flipped: %v is of no envelope class", v.ID, i, err)
				}
				flips++
			}
		}
	}
	assert.Greater(t, flips, 100000)
}

// TestEnvelopeV2NegativeVectors: every negative is refused with its class.
func TestEnvelopeV2NegativeVectors(t *testing.T) {
	envs := parseFile[vectors.EnvelopeV2](t, vectors.EnvelopesV2File)
	ctx := context.Background()
	perClass := map[string]int{}
	for _, v := range parseFile[vectors.EnvelopeV2Negative](t, vectors.EnvelopeV2NegativesFile) {
		want, ok := vectors.ErrorClasses[v.Error]
		require.True(t, ok, "vector %d: unknown class %q", v.ID, v.Error)
		require.True(t, v.Envelope >= 1 && v.Envelope <= len(envs), "vector %d: envelope ref", v.ID)
		ref := envs[v.Envelope-1]
		if v.MasterKey != nil {
			ref.MasterKey = v.MasterKey
		}
		mk, err := ref.OpenKey()
		require.NoError(t, err)
		_, err = wrap.MasterKeyUnwrapper{Key: mk, Spec: curves.Spec(v.KeySpec)}.Unwrap(ctx, v.Input, v.Context)
		assert.ErrorIs(t, err, want, "vector %d: %s", v.ID, v.Comment)
		perClass[v.Error]++
	}
	assert.Equal(t, map[string]int{vectors.ClassMalformedEnvelope: 48, vectors.ClassDecrypt: 30, vectors.ClassKeyUnavailable: 2}, perClass)
}

// TestDecodeNegativeVectors: every negative is refused with its class, and
// only that class among the encoding classes.
func TestDecodeNegativeVectors(t *testing.T) {
	envs := parseFile[vectors.Envelope](t, vectors.EnvelopesFile)
	ctx := context.Background()
	encodingClasses := []string{vectors.ClassMalformed, vectors.ClassUnknownCurve, vectors.ClassExplicitParameters,
		vectors.ClassUnsupportedAlgorithm, vectors.ClassKeyMismatch, vectors.ClassInvalidKey}
	perClass := map[string]int{}
	perFormat := map[string]int{}
	for _, v := range parseFile[vectors.DecodeNegative](t, vectors.DecodeNegativesFile) {
		want, ok := vectors.ErrorClasses[v.Error]
		require.True(t, ok, "vector %d: unknown class %q", v.ID, v.Error)
		var err error
		switch v.Format {
		case "spki":
			_, err = encoding.ParseSPKI(v.Input)
		case "pkcs8":
			_, err = encoding.ParsePKCS8(v.Input)
		case "sec1":
			_, err = encoding.ParseSEC1(v.Input)
		case "envelope":
			require.True(t, v.Envelope >= 1 && v.Envelope <= len(envs), "vector %d: envelope ref", v.ID)
			ref := envs[v.Envelope-1]
			if v.MasterKey != nil {
				ref.MasterKey = v.MasterKey
			}
			mk, kerr := ref.OpenKey()
			require.NoError(t, kerr)
			_, err = wrap.MasterKeyUnwrapper{Key: mk, Spec: curves.Spec(v.KeySpec)}.Unwrap(ctx, v.Input, wrap.HuaweiContext(string(v.AAD)))
		default:
			t.Fatalf("vector %d: unknown format %q", v.ID, v.Format)
		}
		if !assert.ErrorIs(t, err, want, "vector %d (%s): %s", v.ID, v.Format, v.Comment) {
			continue
		}
		if v.Format != "envelope" {
			for _, other := range encodingClasses {
				if other != v.Error {
					assert.NotErrorIs(t, err, vectors.ErrorClasses[other], "vector %d is also %s", v.ID, other)
				}
			}
		}
		assert.NotContains(t, err.Error(), "panic")
		perClass[v.Error]++
		perFormat[v.Format]++
	}
	total := 0
	for class := range vectors.ErrorClasses {
		assert.Positive(t, perClass[class], "no vector of class %s", class)
		total += perClass[class]
	}
	assert.Equal(t, wantDecodeNegatives, total)
	for _, f := range []string{"spki", "pkcs8", "sec1", "envelope"} {
		assert.Positive(t, perFormat[f], f)
	}
}

// TestRequestNegativeVectors: the request vectors are well formed: known
// routes and placeholders, raw exactly when a typed client cannot send the
// body, and the status and code of the provider's table.
func TestRequestNegativeVectors(t *testing.T) {
	vecs := requestVectors(t)
	codes := map[string]int{}
	routes := map[string]int{}
	for _, v := range vecs {
		assert.Contains(t, []string{conformance.RouteCreate, conformance.RouteDecrypt}, v.Route, "vector %d", v.ID)
		body := strings.NewReplacer(vectors.PlaceholderKeyID, "11111111-2222-4333-8444-555555555555",
			vectors.PlaceholderMissingKeyID, vectors.MissingKeyID, vectors.PlaceholderCipherText, "RUtQMQ==").Replace(v.Body)
		assert.NotContains(t, body, "{{", "vector %d: unknown placeholder", v.ID)
		var err error
		if v.Route == conformance.RouteCreate {
			err = strictDecode(body, &provider.CreateEcDatakeyPairRequest{})
		} else {
			err = strictDecode(body, &provider.DecryptDatakeyPairRequest{})
		}
		assert.Equal(t, v.Raw, err != nil, "vector %d (%s): raw must be set exactly when the body does not decode: %v", v.ID, v.Comment, err)
		if v.Raw {
			assert.Equal(t, huawei.CodeOf(provider.FailMalformedJSON).Code, v.ErrorCode, "vector %d", v.ID)
		}
		assert.GreaterOrEqual(t, v.Status, 400, "vector %d", v.ID)
		assert.Regexp(t, `^KMS\.\d{4}$`, v.ErrorCode)
		codes[v.ErrorCode]++
		routes[v.Route]++
	}
	assert.Len(t, vecs, wantRequestNegatives)
	for _, code := range []string{"KMS.0202", "KMS.0204", "KMS.0205", "KMS.0206", "KMS.0207", "KMS.0308", "KMS.2201", "KMS.2203"} {
		assert.Positive(t, codes[code], "no vector expects %s", code)
	}
	assert.Positive(t, routes[conformance.RouteCreate])
	assert.Positive(t, routes[conformance.RouteDecrypt])
}

func strictDecode(body string, v any) error {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}
