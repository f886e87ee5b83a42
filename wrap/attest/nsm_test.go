package attest

import (
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/veraison/go-cose"
)

func TestNSMVerifyAcceptsGoodDocument(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	fields := p.Fields(spki)
	for _, tagged := range []bool{false, true} {
		t.Run(fmt.Sprintf("tagged=%v", tagged), func(t *testing.T) {
			doc := nitrotest.Sign(t, nitrotest.Payload(t, fields), cose.AlgorithmES384, p.LeafKey, tagged)
			att, err := testVerifier(t, p).Verify(doc)
			require.NoError(t, err)
			assert.Equal(t, "i-0123456789abcdef0-enc0123456789abcdef", att.ModuleID)
			assert.Equal(t, nitrotest.Now.Add(-time.Second), att.Timestamp)
			assert.Equal(t, "SHA384", att.Digest)
			assert.Equal(t, map[int][]byte{0: nitrotest.PCR(0x10), 1: nitrotest.PCR(0x20), 2: nitrotest.PCR(0x30), 4: nitrotest.PCR(0x40)}, att.PCRs)
			assert.Equal(t, spki, att.PublicKey)
			assert.Nil(t, att.UserData, "absent user_data")
			assert.Equal(t, []byte("0123456789abcdef"), att.Nonce)
			require.NotNil(t, att.Certificate)
			assert.Equal(t, p.LeafDER, att.Certificate.Raw)
		})
	}
}

func TestNSMVerifyOptionalFields(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	tests := []struct {
		name            string
		userData, nonce any
		wantUD, wantN   []byte
	}{
		{"null is absent", nil, nil, nil, nil},
		{"empty byte strings", []byte{}, []byte{}, []byte{}, []byte{}},
		{"512 bytes each", make([]byte, 512), make([]byte, 512), make([]byte, 512), make([]byte, 512)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := p.Fields(spki)
			f["user_data"], f["nonce"] = tc.userData, tc.nonce
			att, err := testVerifier(t, p).Verify(p.Doc(t, f))
			require.NoError(t, err)
			assert.Equal(t, tc.wantUD, att.UserData)
			assert.Equal(t, tc.wantN, att.Nonce)
		})
	}
}

// appendField adds a key/value to an encoded definite-length CBOR map of
// fewer than 23 pairs, producing duplicates or odd values cbor.Marshal will not.
func appendField(t *testing.T, payload []byte, key string, value any) []byte {
	t.Helper()
	require.True(t, payload[0] >= 0xa0 && payload[0] < 0xb7, "small definite map")
	out := append([]byte{payload[0] + 1}, payload[1:]...)
	out = append(out, nitrotest.Payload(t, key)...)
	return append(out, nitrotest.Payload(t, value)...)
}

func TestNSMVerifyRejects(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	other := nitrotest.NewPKI(t)
	p256 := nitrotest.Key(t, elliptic.P256())

	with := func(mutate func(f map[string]any)) []byte {
		f := p.Fields(spki)
		mutate(f)
		return p.Doc(t, f)
	}
	signRaw := func(payload []byte) []byte {
		return nitrotest.Sign(t, payload, cose.AlgorithmES384, p.LeafKey, false)
	}
	good := with(func(map[string]any) {})

	// A chain whose intermediate has expired although the leaf has not.
	staleInterDER, staleInter := nitrotest.Cert(t, "stale.test.nitro-enclaves", &p.InterKey.PublicKey, p.Root, p.RootKey, true,
		nitrotest.Now.AddDate(0, 0, -30), nitrotest.Now.AddDate(0, 0, -1))
	staleLeafDER, _ := nitrotest.Cert(t, "leaf.test", &p.LeafKey.PublicKey, staleInter, p.InterKey, false,
		nitrotest.Now.Add(-time.Hour), nitrotest.Now.Add(time.Hour))

	// Cases verified by another verifier than p's.
	verifiers := map[string]*NSMVerifier{"unknown root": testVerifier(t, other)}

	tests := []struct {
		name string
		doc  []byte
		opts []Option
		want string
	}{
		{"empty", nil, nil, "document is empty"},
		{"too large", make([]byte, MaxDocumentSize+1), nil, "more than the 17408 allowed"},
		{"garbage CBOR", []byte("this is not CBOR at all"), nil, "not a COSE_Sign1"},
		{"CBOR but not COSE", nitrotest.Payload(t, []any{1, 2, 3, 4}), nil, "not a COSE_Sign1"},
		{"trailing bytes", append(append([]byte{}, good...), 0x00), nil, "not a COSE_Sign1"},
		{"wrong CBOR tag", append([]byte{0xd8, 0x62}, good...), nil, "not a COSE_Sign1"},
		{"wrong signature", nitrotest.Sign(t, nitrotest.Payload(t, p.Fields(spki)), cose.AlgorithmES384, other.LeafKey, false), nil,
			"COSE signature does not verify"},
		{"wrong alg ES256", nitrotest.Sign(t, nitrotest.Payload(t, p.Fields(spki)), cose.AlgorithmES256, p256, false), nil,
			"signature algorithm is ES256, want ES384"},
		{"payload not a map", signRaw(nitrotest.Payload(t, []string{"module_id", "x"})), nil, "payload is not a CBOR map"},
		{"payload map with int keys", signRaw(nitrotest.Payload(t, map[int]string{1: "x"})), nil, "payload is not a CBOR map with text keys"},
		{"payload with a CBOR tag", signRaw(nitrotest.Payload(t, map[string]any{"module_id": cbor.Tag{Number: 1, Content: 5}})), nil,
			"payload is not a CBOR map with text keys"},
		{"duplicate field", signRaw(appendField(t, nitrotest.Payload(t, p.Fields(spki)), "digest", "SHA384")), nil,
			"duplicate map key"},
		{"unknown field", with(func(f map[string]any) { f["extra"] = 1 }), nil, `unknown field "extra"`},
		{"missing public_key", with(func(f map[string]any) { delete(f, "public_key") }), nil, "public_key is absent"},
		{"null public_key", with(func(f map[string]any) { f["public_key"] = nil }), nil, "required field public_key is null"},
		{"empty public_key", with(func(f map[string]any) { f["public_key"] = []byte{} }), nil, "public_key is 0 bytes, want 1 to 1024"},
		{"public_key as text", with(func(f map[string]any) { f["public_key"] = "key" }), nil, "public_key is not a byte string"},
		{"missing module_id", with(func(f map[string]any) { delete(f, "module_id") }), nil, "required field module_id is absent"},
		{"empty module_id", with(func(f map[string]any) { f["module_id"] = "" }), nil, "module_id is empty"},
		{"module_id as bytes", with(func(f map[string]any) { f["module_id"] = []byte("i-0") }), nil, "module_id is not a text string"},
		{"zero timestamp", with(func(f map[string]any) { f["timestamp"] = uint64(0) }), nil, "timestamp is zero"},
		{"negative timestamp", with(func(f map[string]any) { f["timestamp"] = int64(-5) }), nil, "timestamp is not an unsigned integer"},
		{"float timestamp", with(func(f map[string]any) { f["timestamp"] = 1.5 }), nil, "timestamp is not an unsigned integer"},
		{"digest SHA256", with(func(f map[string]any) { f["digest"] = "SHA256" }), nil, `digest is "SHA256", want "SHA384"`},
		{"pcrs wrong length", with(func(f map[string]any) { f["pcrs"] = map[uint64][]byte{0: make([]byte, 32)} }), nil,
			"pcrs[0] is 32 bytes, want 48 for digest SHA384"},
		{"pcrs empty", with(func(f map[string]any) { f["pcrs"] = map[uint64][]byte{} }), nil, "pcrs holds 0 entries, want 1 to 32"},
		{"pcrs index 32", with(func(f map[string]any) { f["pcrs"] = map[uint64][]byte{32: nitrotest.PCR(1)} }), nil, "pcrs index 32 is not in 0..31"},
		{"pcrs negative index", with(func(f map[string]any) { f["pcrs"] = map[int64][]byte{-1: nitrotest.PCR(1)} }), nil,
			"pcrs is not a map from unsigned integers"},
		{"pcrs text index", with(func(f map[string]any) { f["pcrs"] = map[string][]byte{"0": nitrotest.PCR(1)} }), nil,
			"pcrs is not a map from unsigned integers"},
		{"pcrs as array", with(func(f map[string]any) { f["pcrs"] = [][]byte{nitrotest.PCR(1)} }), nil, "pcrs is not a map"},
		{"pcr value null", with(func(f map[string]any) { f["pcrs"] = map[uint64]any{0: nil} }), nil, "pcrs[0] is not a byte string"},
		{"certificate garbage", with(func(f map[string]any) { f["certificate"] = []byte("not a certificate") }), nil,
			"certificate is not a DER X.509 certificate"},
		{"certificate too long", with(func(f map[string]any) { f["certificate"] = make([]byte, 1025) }), nil,
			"certificate is 1025 bytes, want 1 to 1024"},
		{"cabundle empty", with(func(f map[string]any) { f["cabundle"] = [][]byte{} }), nil, "cabundle holds 0 certificates"},
		{"cabundle of 9", with(func(f map[string]any) {
			b := make([][]byte, 9)
			for i := range b {
				b[i] = p.InterDER
			}
			f["cabundle"] = b
		}), nil, "cabundle holds 9 certificates, want 1 to 8"},
		{"cabundle entry garbage", with(func(f map[string]any) { f["cabundle"] = [][]byte{p.RootDER, []byte("junk")} }), nil,
			"cabundle[1] is not a DER X.509 certificate"},
		{"cabundle entry empty", with(func(f map[string]any) { f["cabundle"] = [][]byte{{}} }), nil, "cabundle[0] is 0 bytes"},
		{"user_data too long", with(func(f map[string]any) { f["user_data"] = make([]byte, 513) }), nil,
			"user_data is 513 bytes, want 0 to 512"},
		{"nonce as text", with(func(f map[string]any) { f["nonce"] = "abc" }), nil, "nonce is not a byte string"},
		{"unknown root", good, nil, "cabundle[0] is not a configured root"},
		{"expired intermediate", with(func(f map[string]any) {
			f["certificate"], f["cabundle"] = staleLeafDER, [][]byte{p.RootDER, staleInterDER}
		}), nil, "cabundle[1] is not valid now"},
		{"missing intermediate", with(func(f map[string]any) { f["cabundle"] = [][]byte{p.RootDER} }), nil,
			"leaf certificate is not issued by the last certificate of cabundle"},
		{"expired leaf", with(func(f map[string]any) {
			f["certificate"] = p.NewLeaf(t, &p.LeafKey.PublicKey, false, nitrotest.Now.Add(-4*time.Hour), nitrotest.Now.Add(-time.Hour))
		}), nil, "leaf certificate expired at"},
		{"leaf not yet valid", with(func(f map[string]any) {
			f["certificate"] = p.NewLeaf(t, &p.LeafKey.PublicKey, false, nitrotest.Now.Add(time.Hour), nitrotest.Now.Add(4*time.Hour))
		}), nil, "leaf certificate is not yet valid"},
		{"leaf is a CA", with(func(f map[string]any) {
			f["certificate"] = p.NewLeaf(t, &p.LeafKey.PublicKey, true, nitrotest.Now.Add(-time.Hour), nitrotest.Now.Add(time.Hour))
		}), nil, "leaf certificate is a CA"},
		{"leaf key P-256", with(func(f map[string]any) {
			f["certificate"] = p.NewLeaf(t, &p256.PublicKey, false, nitrotest.Now.Add(-time.Hour), nitrotest.Now.Add(time.Hour))
		}), nil, "leaf certificate key is not ECDSA P-384"},
		{"too old with max age", good, []Option{WithMaxAge(500 * time.Millisecond)}, "document is 1s old, more than the 500ms allowed"},
		{"timestamp in the future", with(func(f map[string]any) { f["timestamp"] = uint64(nitrotest.Now.Add(10 * time.Minute).UnixMilli()) }), nil,
			"is in the future"},
		{"future beyond custom skew", with(func(f map[string]any) { f["timestamp"] = uint64(nitrotest.Now.Add(2 * time.Second).UnixMilli()) }),
			[]Option{WithClockSkew(time.Second)}, "is in the future"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := verifiers[tc.name]
			if !ok {
				v = testVerifier(t, p, tc.opts...)
			}
			att, err := v.Verify(tc.doc)
			require.Error(t, err)
			assert.Nil(t, att)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNSMVerifyMaxAgeAndSkewAccept(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	f := p.Fields(spki)
	f["timestamp"] = uint64(nitrotest.Now.Add(4 * time.Minute).UnixMilli()) // within the default 5-minute skew
	_, err := testVerifier(t, p).Verify(p.Doc(t, f))
	require.NoError(t, err)
	// One second old, max age two seconds.
	_, err = testVerifier(t, p, WithMaxAge(2*time.Second)).Verify(p.Doc(t, p.Fields(spki)))
	require.NoError(t, err)
}

func TestNSMVerifyTruncatedAndExtended(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	v := testVerifier(t, p)
	for _, tagged := range []bool{false, true} {
		doc := nitrotest.Sign(t, nitrotest.Payload(t, p.Fields(spki)), cose.AlgorithmES384, p.LeafKey, tagged)
		_, err := v.Verify(doc)
		require.NoError(t, err)
		n := 0
		for i := range len(doc) {
			_, err := v.Verify(doc[:i])
			require.Error(t, err, "prefix of %d bytes", i)
			require.ErrorIs(t, err, ErrInvalid)
			n++
		}
		assert.Equal(t, len(doc), n)
		for _, tail := range [][]byte{{0}, {0xff}, doc} {
			_, err := v.Verify(append(append([]byte{}, doc...), tail...))
			assert.ErrorIs(t, err, ErrInvalid)
		}
	}
}

func TestNSMVerifyBitFlips(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	v := testVerifier(t, p)
	doc := p.Doc(t, p.Fields(spki))
	step := 7
	if testing.Short() {
		step = 31
	}
	n := 0
	for i := 0; i < len(doc); i += step {
		for _, bit := range []byte{0x01, 0x80} {
			bad := append([]byte{}, doc...)
			bad[i] ^= bit
			_, err := v.Verify(bad)
			require.Error(t, err, "byte %d bit %#x", i, bit)
			require.ErrorIs(t, err, ErrInvalid)
			n++
		}
	}
	assert.Equal(t, 2*((len(doc)+step-1)/step), n)
}

func TestNewNSMVerifierRejectsBadOptions(t *testing.T) {
	pool := nitrotest.NewPKI(t).Roots()
	tests := map[string]struct {
		roots []*x509.Certificate
		opts  []Option
	}{
		"nil roots":     {nil, nil},
		"a nil root":    {[]*x509.Certificate{nil}, nil},
		"nil clock":     {pool, []Option{WithClock(nil)}},
		"negative age":  {pool, []Option{WithMaxAge(-time.Second)}},
		"negative skew": {pool, []Option{WithClockSkew(-time.Second)}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := NewNSMVerifier(tc.roots, tc.opts...)
			assert.Error(t, err)
			assert.Nil(t, v)
		})
	}
}

// TestNSMVerifyConcurrent runs one verifier from several goroutines (for
// -race).
func TestNSMVerifyConcurrent(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	v := testVerifier(t, p)
	doc := p.Doc(t, p.Fields(spki))
	errs := make(chan error, 8)
	for range 8 {
		go func() { _, err := v.Verify(doc); errs <- err }()
	}
	for range 8 {
		assert.NoError(t, <-errs)
	}
}

var _ Verifier = (*NSMVerifier)(nil)

// TestNSMChainCache: a verified chain is remembered, but only while every
// certificate in it is valid: once the intermediate expires, a document
// whose own leaf is still valid is refused even though its chain was
// verified (and cached) before.
func TestNSMChainCache(t *testing.T) {
	p := nitrotest.NewPKI(t)
	key := nitrotest.Key(t, elliptic.P384())
	// A leaf outliving the intermediate (which ends at Now+20 days).
	leaf := p.NewLeaf(t, &key.PublicKey, false, nitrotest.Now.Add(-time.Hour), nitrotest.Now.AddDate(0, 0, 30))
	_, spki := nitrotest.RSA(t, 2048)
	now := nitrotest.Now
	v, err := NewNSMVerifier(p.Roots(), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	sign := func(at time.Time) []byte {
		f := p.Fields(spki)
		f["certificate"] = leaf
		f["timestamp"] = uint64(at.Add(-time.Second).UnixMilli())
		return nitrotest.Sign(t, nitrotest.Payload(t, f), cose.AlgorithmES384, key, false)
	}
	for i := 0; i < 3; i++ {
		_, err = v.Verify(sign(now))
		require.NoError(t, err)
	}
	assert.Len(t, v.chains, 1, "one chain verified and remembered")
	now = nitrotest.Now.AddDate(0, 0, 25)
	_, err = v.Verify(sign(now))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "cabundle[1] is not valid now")
	// A tampered document still fails its own signature check with the
	// chain cached.
	now = nitrotest.Now
	doc := sign(now)
	doc[len(doc)-1] ^= 1
	_, err = v.Verify(doc)
	assert.ErrorIs(t, err, ErrInvalid)
}

// testVerifier returns an NSMVerifier trusting p's root at nitrotest.Now.
func testVerifier(t testing.TB, p *nitrotest.PKI, opts ...Option) *NSMVerifier {
	t.Helper()
	v, err := NewNSMVerifier(p.Roots(), append([]Option{WithClock(func() time.Time { return nitrotest.Now })}, opts...)...)
	require.NoError(t, err)
	return v
}

// TestNSMChainIsOnePath: the chain is checked as the one path the bundle
// states, from the pinned root down: a bundle stuffed with look-alike CAs
// is refused at the first certificate that is not on the path, whatever
// its position, instead of being searched.
func TestNSMChainIsOnePath(t *testing.T) {
	p := nitrotest.NewPKI(t)
	v := testVerifier(t, p)
	_, spki := nitrotest.RSA(t, 2048)
	lookalikes := make([][]byte, 8)
	for i := range lookalikes {
		k := nitrotest.Key(t, elliptic.P384())
		lookalikes[i], _ = nitrotest.Cert(t, "test.nitro-enclaves", &k.PublicKey, nil, k, true, nitrotest.Now.AddDate(-1, 0, 0), nitrotest.Now.AddDate(1, 0, 0))
	}
	reissued, _ := nitrotest.Cert(t, "test.nitro-enclaves", &p.RootKey.PublicKey, nil, p.RootKey, true, nitrotest.Now.AddDate(-1, 0, 0), nitrotest.Now.AddDate(1, 0, 0))
	for _, tc := range []struct {
		name   string
		bundle [][]byte
		want   string
	}{
		{"the root and the intermediate", [][]byte{p.RootDER, p.InterDER}, ""},
		{"a re-issued copy of the root (same name and key)", [][]byte{reissued, p.InterDER}, ""},
		{"the intermediate alone, issued by the root", [][]byte{p.InterDER}, ""},
		{"look-alikes first", append(append([][]byte{}, lookalikes[:6]...), p.RootDER, p.InterDER), "cabundle[0] is not a configured root"},
		{"look-alikes between root and intermediate", append(append([][]byte{p.RootDER}, lookalikes[:6]...), p.InterDER), "cabundle[1] is not issued by cabundle[0]"},
		{"look-alikes after the path", append([][]byte{p.RootDER, p.InterDER}, lookalikes[:6]...), "cabundle[2] is not issued by cabundle[1]"},
		{"the root twice", [][]byte{p.RootDER, p.RootDER, p.InterDER}, "cabundle[1] repeats cabundle[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(p.Doc(t, func() map[string]any { f := p.Fields(spki); f["cabundle"] = tc.bundle; return f }()))
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestNSMPathLength: a CA's path length constraint counts the CAs below
// it in the bundle.
func TestNSMPathLength(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(99), Subject: p.Root.Subject, NotBefore: nitrotest.Now.AddDate(-1, 0, 0), NotAfter: nitrotest.Now.AddDate(1, 0, 0),
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true, MaxPathLen: 0, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p.RootKey.PublicKey, p.RootKey)
	require.NoError(t, err)
	f := p.Fields(spki)
	f["cabundle"] = [][]byte{der, p.InterDER}
	_, err = testVerifier(t, p).Verify(p.Doc(t, f))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "cabundle[0] allows 0 CAs below it, the bundle has 1")
}

// TestNSMDebugAndAge: a debug-mode enclave (all-zero PCR0..2) is refused
// unless allowed; a document older than DefaultMaxAge is refused by
// default.
func TestNSMDebugAndAge(t *testing.T) {
	p := nitrotest.NewPKI(t)
	_, spki := nitrotest.RSA(t, 2048)
	for _, pcr := range []uint64{0, 1, 2} {
		f := p.Fields(spki)
		f["pcrs"] = map[uint64][]byte{0: nitrotest.PCR(0x10), 1: nitrotest.PCR(0x20), 2: nitrotest.PCR(0x30)}
		f["pcrs"].(map[uint64][]byte)[pcr] = make([]byte, 48)
		doc := p.Doc(t, f)
		_, err := testVerifier(t, p).Verify(doc)
		require.ErrorIs(t, err, ErrInvalid)
		assert.Contains(t, err.Error(), fmt.Sprintf("PCR%d is all zeros", pcr))
		_, err = testVerifier(t, p, WithDebugEnclaves()).Verify(doc)
		assert.NoError(t, err, "allowed with WithDebugEnclaves")
	}
	f := p.Fields(spki)
	f["pcrs"] = map[uint64][]byte{4: make([]byte, 48)} // other PCRs may be zero
	_, err := testVerifier(t, p).Verify(p.Doc(t, f))
	assert.NoError(t, err)

	old := p.Fields(spki)
	old["timestamp"] = uint64(nitrotest.Now.Add(-DefaultMaxAge - time.Second).UnixMilli())
	_, err = testVerifier(t, p).Verify(p.Doc(t, old))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "more than the 5m0s allowed")
	_, err = testVerifier(t, p, WithMaxAge(0)).Verify(p.Doc(t, old))
	assert.NoError(t, err, "WithMaxAge(0) sets no limit")
}
