package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/veraison/go-cose"

	"github.com/ecdkp/ecdkp/internal/fuzzseed"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
)

// The fuzz target of NSMVerifier and its seeds. Every key is fixed
// (fuzzseed.Scalar, fuzzseed.RSAKey), so the documents checked in under
// testdata/fuzz/FuzzAttestationVerify/ verify in every run.

// testPKI is the Nitro-like test PKI with fixed ECDSA P-384 keys, so the
// checked-in documents (signed in an earlier run, with certificates issued
// then) verify against this run's root: same subject, same key.
func testPKI(tb testing.TB) *nitrotest.PKI {
	tb.Helper()
	key := func(seed byte) *ecdsa.PrivateKey {
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P384(), fuzzseed.Scalar(48, seed))
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

// docVariant is one payload we sign, by the changes it makes to
// nitrotest's valid fields, and what a verified document of it must say.
type docVariant struct {
	name   string
	mutate func(map[string]any)
	want   Document // Certificate is not compared
}

func docVariants(tb testing.TB) []docVariant {
	tb.Helper()
	spki, err := x509.MarshalPKIXPublicKey(&fuzzseed.RSAKey(tb).PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	base := Document{
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
	return []docVariant{
		{"plain", func(map[string]any) {}, base},
		{"user_data, null nonce", func(f map[string]any) { f["user_data"], f["nonce"] = []byte("user data"), nil }, withUser},
		{"one PCR", func(f map[string]any) { f["pcrs"] = map[uint64][]byte{31: nitrotest.PCR(0x99)} }, onePCR},
	}
}

// docSeeds are valid documents of every variant (untagged and tagged)
// and documents each verification step refuses.
func docSeeds(tb testing.TB, p *nitrotest.PKI) []fuzzseed.Seed {
	tb.Helper()
	variants := docVariants(tb)
	fields := func(mutate func(map[string]any)) map[string]any {
		f := p.Fields(variants[0].want.PublicKey)
		mutate(f)
		return f
	}
	var seeds []fuzzseed.Seed
	for _, v := range variants {
		for _, tagged := range []bool{false, true} {
			doc := nitrotest.Sign(tb, nitrotest.Payload(tb, fields(v.mutate)), cose.AlgorithmES384, p.LeafKey, tagged)
			seeds = append(seeds, fuzzseed.New(fmt.Sprintf("valid %s tagged=%v", v.name, tagged), doc))
		}
	}
	stranger := nitrotest.NewPKI(tb) // random keys: its root is not trusted
	p256 := nitrotest.Key(tb, elliptic.P256())
	doc := func(mutate func(map[string]any)) []byte { return p.Doc(tb, fields(mutate)) }
	return append(seeds,
		fuzzseed.New("unknown root", stranger.Doc(tb, stranger.Fields(variants[0].want.PublicKey))),
		fuzzseed.New("ES256", nitrotest.Sign(tb, nitrotest.Payload(tb, fields(func(map[string]any) {})), cose.AlgorithmES256, p256, false)),
		fuzzseed.New("timestamp in the future", doc(func(f map[string]any) { f["timestamp"] = uint64(nitrotest.Now.Add(time.Hour).UnixMilli()) })),
		fuzzseed.New("expired leaf", doc(func(f map[string]any) {
			f["certificate"] = p.NewLeaf(tb, &p.LeafKey.PublicKey, false, nitrotest.Now.Add(-4*time.Hour), nitrotest.Now.Add(-time.Hour))
		})),
		fuzzseed.New("missing intermediate", doc(func(f map[string]any) { f["cabundle"] = [][]byte{p.RootDER} })),
		fuzzseed.New("unknown field", doc(func(f map[string]any) { f["extra"] = 1 })),
		fuzzseed.New("missing pcrs", doc(func(f map[string]any) { delete(f, "pcrs") })),
		fuzzseed.New("payload not a map", nitrotest.Sign(tb, nitrotest.Payload(tb, []string{"module_id"}), cose.AlgorithmES384, p.LeafKey, false)),
	)
}

// FuzzAttestationVerify verifies arbitrary documents with an NSMVerifier
// trusting the fixed test root at nitrotest.Now. Every error wraps
// ErrInvalid (the package's one class); a document that verifies was
// signed by the fixed leaf key and says what one of the signed payloads
// says.
func FuzzAttestationVerify(f *testing.F) {
	p := testPKI(f)
	seeds := docSeeds(f, p)
	for _, s := range seeds {
		f.Add(s.Args[0].([]byte))
	}
	fuzzseed.Write(f, "FuzzAttestationVerify", seeds, func(name string) bool {
		switch name {
		case "valid plain tagged=true", "valid user_data, null nonce tagged=false", "valid one PCR tagged=true":
			return false
		}
		return true
	})
	v := testVerifier(f, p)
	for _, s := range fuzzseed.Valid(append(fuzzseed.Corpus(f, "FuzzAttestationVerify"), seeds...)) {
		if _, err := v.Verify(s.Args[0].([]byte)); err != nil {
			f.Fatalf("seed %q does not verify: %v", s.Name, err)
		}
	}
	variants := docVariants(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		att, err := v.Verify(doc)
		if err != nil {
			fuzzseed.RequireClass(t, "Verify", err, []error{ErrInvalid}, ErrInvalid)
			if att != nil {
				t.Fatalf("Verify returned a document with its error")
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
