package auth

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnknownKeyAndBadSignatureLookAlike: the rejection of an unknown
// access key must be byte for byte the rejection of a wrong signature, in
// both schemes and with both stores, or access keys can be enumerated.
func TestUnknownKeyAndBadSignatureLookAlike(t *testing.T) {
	creds, err := NewCredentials(Credential{Principal: "svc", AccessKey: testAK, SecretKey: testSK})
	require.NoError(t, err)
	stores := map[string]AccessKeyLookup{
		"static":      StaticCredentials(map[string]string{testAK: testSK}),
		"credentials": creds,
	}
	now := func() time.Time { return testNow }
	for storeName, store := range stores {
		verifiers := map[string]struct {
			a    Authenticator
			sign func(r *http.Request, body []byte, ak, sk string) error
			req  func(t *testing.T) (*http.Request, []byte)
		}{
			"aksk": {AKSK(store, WithClock(now)),
				func(r *http.Request, body []byte, ak, sk string) error { return Sign(r, body, ak, sk, testNow) },
				func(t *testing.T) (*http.Request, []byte) { return schemes[0].request(t, "/", testNow) }},
			"sigv4": {SigV4(store, WithClock(now), WithRegion(awsRegion)),
				func(r *http.Request, body []byte, ak, sk string) error {
					return SignV4(r, body, ak, sk, awsRegion, "kms", testNow)
				},
				func(t *testing.T) (*http.Request, []byte) { return schemes[1].request(t, "/", testNow) }},
		}
		for name, v := range verifiers {
			t.Run(storeName+"/"+name, func(t *testing.T) {
				r, body := v.req(t)
				require.NoError(t, v.sign(r, body, testAK, "wrong-secret"))
				_, errBad := v.a.Authenticate(r, body)
				require.ErrorIs(t, errBad, ErrUnauthenticated)

				r, body = v.req(t)
				require.NoError(t, v.sign(r, body, "AKUNKNOWN0000000001", testSK))
				_, errUnknown := v.a.Authenticate(r, body)
				require.ErrorIs(t, errUnknown, ErrUnauthenticated)

				assert.Equal(t, errBad.Error(), errUnknown.Error())
				assert.Equal(t, "auth: unauthenticated: "+name+": "+mismatch, errUnknown.Error())
			})
		}
	}
}

// The benchmarks below compare a known access key with a bad signature
// and an unknown access key: both must cost the same work.
func benchmarkRejection(b *testing.B, s scheme, ak, sk string) {
	a := s.auth(func() time.Time { return testNow })
	r, body := s.request(&testing.T{}, "/", testNow)
	if err := s.sign(r, body, ak, sk, testNow); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r, body); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkAKSKBadSignature(b *testing.B) { benchmarkRejection(b, schemes[0], testAK, "wrong") }
func BenchmarkAKSKUnknownKey(b *testing.B)   { benchmarkRejection(b, schemes[0], "AKUNKNOWN", testSK) }
func BenchmarkSigV4BadSignature(b *testing.B) {
	benchmarkRejection(b, schemes[1], testAK, "wrong")
}
func BenchmarkSigV4UnknownKey(b *testing.B) { benchmarkRejection(b, schemes[1], "AKUNKNOWN", testSK) }

// BenchmarkSigV4Accept measures one accepted request (replay cache
// included), a fresh signature each time.
func BenchmarkSigV4Accept(b *testing.B) {
	benchmarkAccept(b, schemes[1])
}

// BenchmarkAKSKAccept is the same for AK/SK.
func BenchmarkAKSKAccept(b *testing.B) {
	benchmarkAccept(b, schemes[0])
}

func benchmarkAccept(b *testing.B, s scheme) {
	const n = 4096 // distinct signed requests; the verifier is renewed after each round
	type signed struct {
		r    *http.Request
		body []byte
	}
	reqs := make([]signed, n)
	for i := range reqs {
		r, body := s.request(&testing.T{}, fmt.Sprintf("/k%d", i), testNow)
		reqs[i] = signed{r, body}
	}
	newAuth := func() Authenticator { return s.auth(func() time.Time { return testNow }) }
	a := newAuth()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == n {
			b.StopTimer()
			a, i = newAuth(), 0
			b.StartTimer()
		}
		if _, err := a.Authenticate(reqs[i].r, reqs[i].body); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
