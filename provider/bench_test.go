package provider_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
)

// BenchmarkCreateEcDatakeyPair measures the in-process call (plaintext on,
// AES_256 master key) beside the raw GenerateKey of the same curve: alone
// (raw, create: ns/op and allocs/op) and alternated call by call (paired:
// raw-ns/op, create-ns/op and their ratio, which scripts/bench reports).
// Budget (DESIGN.md): at most 1.25x raw and 20 allocations per call.
func BenchmarkCreateEcDatakeyPair(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	for _, spec := range curves.Specs() {
		c, err := curves.Lookup(spec)
		if err != nil {
			b.Fatal(err)
		}
		raw := func(b *testing.B) {
			k, err := c.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			k.Destroy()
		}
		req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(spec)}
		create := func(b *testing.B) {
			if _, err := f.P.CreateEcDatakeyPair(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(string(spec)+"/raw", func(b *testing.B) { alone(b, raw) })
		b.Run(string(spec)+"/create", func(b *testing.B) { alone(b, create) })
		b.Run(string(spec)+"/paired", func(b *testing.B) { paired(b, "raw", raw, "create", create) })
	}
}

// alone runs op b.N times.
func alone(b *testing.B, op func(*testing.B)) {
	b.ReportAllocs()
	for b.Loop() {
		op(b)
	}
}

// paired runs x and y alternately, b.N times each (taking turns at going
// first), and reports the mean time of each as "<name>-ns/op", y over x as
// "ratio" and y minus x as "added-ns/op". Alternating call by call cancels
// the drift of a shared machine, which two benchmarks run seconds apart
// each see differently.
func paired(b *testing.B, xName string, x func(*testing.B), yName string, y func(*testing.B)) {
	var tx, ty time.Duration
	for i := 0; b.Loop(); i++ {
		first, second, tFirst, tSecond := x, y, &tx, &ty
		if i%2 == 1 {
			first, second, tFirst, tSecond = y, x, &ty, &tx
		}
		t0 := time.Now()
		first(b)
		t1 := time.Now()
		second(b)
		*tFirst += t1.Sub(t0)
		*tSecond += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tx)/n, xName+"-ns/op")
	b.ReportMetric(float64(ty)/n, yName+"-ns/op")
	b.ReportMetric(float64(ty)/float64(tx), "ratio")
	b.ReportMetric(float64(ty-tx)/n, "added-ns/op")
}

// BenchmarkCreateParallel measures P-256 throughput with GOMAXPROCS
// goroutines, for the raw GenerateKey and for CreateEcDatakeyPair in the same
// run; run with -cpu 1,2 to see scaling (budget: 2 goroutines give 1.8x
// one). The raw operation's own scaling is the machine's ceiling.
func BenchmarkCreateParallel(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	c, err := curves.Lookup(curves.P256)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				k, err := c.GenerateKey()
				if err != nil {
					b.Error(err)
					return
				}
				k.Destroy()
			}
		})
	})
	req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(curves.P256)}
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := f.P.CreateEcDatakeyPair(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkHandler measures one request through NewHandler (httptest
// recorder, no network) beside the in-process call of the same spec: alone
// (inproc, handler) and alternated call by call (paired: added-ns/op is
// what the handler adds). Budget (DESIGN.md): at most 15 us per request.
func BenchmarkHandler(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	h := provider.NewHandler(f.P)
	for _, spec := range curves.Specs() {
		req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(spec)}
		inproc := func(b *testing.B) {
			if _, err := f.P.CreateEcDatakeyPair(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		// One parsed request, its body rewound each time: the benchmark
		// measures the handler, not request parsing.
		body := []byte(`{"key_id":"` + f.AES + `","key_spec":"` + string(spec) + `"}`)
		r := httptest.NewRequest(http.MethodPost, "/v1.0/"+project+"/kms/create-ec-datakey-pair", nil)
		rd := bytes.NewReader(body)
		r.Body = io.NopCloser(rd)
		r.ContentLength = int64(len(body))
		handler := func(b *testing.B) {
			rd.Reset(body)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
		b.Run(string(spec)+"/inproc", func(b *testing.B) { alone(b, inproc) })
		b.Run(string(spec)+"/handler", func(b *testing.B) { alone(b, handler) })
		b.Run(string(spec)+"/paired", func(b *testing.B) { paired(b, "inproc", inproc, "handler", handler) })
	}
}

// BenchmarkHolders measures P-256 creation with each holder of the private
// key beside the master-key-only path (plaintext off), in one run: the
// custom-key envelopes and the attestation recipient (document verified per
// call, as a request would).
func BenchmarkHolders(b *testing.B) {
	pki := nitrotest.NewPKI(b)
	v, err := wrap.NewNitroVerifier(pki.Roots(), wrap.WithNitroClock(func() time.Time { return nitrotest.Now }))
	if err != nil {
		b.Fatal(err)
	}
	f := providertest.NewFixture(b, newKeyring, provider.WithAttestationVerifier(v))
	ctx := context.Background()
	_, enclaveSPKI := nitrotest.RSA(b, 2048)
	doc := base64.StdEncoding.EncodeToString(pki.Doc(b, pki.Fields(enclaveSPKI)))

	cases := []struct {
		name string
		req  provider.CreateEcDatakeyPairRequest
	}{
		{"master-key-only", provider.CreateEcDatakeyPairRequest{WithPlainText: new(bool)}},
		{"recipient", provider.CreateEcDatakeyPairRequest{Recipient: &provider.Recipient{AttestationDocument: doc, KeyEncryptionAlgorithm: wrap.KeyEncryptionRSAESOAEPSHA256}}},
	}
	for _, c := range customCallers(b) {
		spec := curves.P256
		if c.alg == wrap.SM2EnvelopedKey {
			spec = curves.SM2 // the SM2 envelope carries SM2 keys only
		}
		cases = append(cases, struct {
			name string
			req  provider.CreateEcDatakeyPairRequest
		}{c.alg, provider.CreateEcDatakeyPairRequest{KeySpec: string(spec), WrappingPublicKey: base64.StdEncoding.EncodeToString(c.spki), WrappingAlgorithm: c.alg}})
	}
	for _, c := range cases {
		req := c.req
		req.KeyID = f.AES
		if req.KeySpec == "" {
			req.KeySpec = string(curves.P256)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.P.CreateEcDatakeyPair(ctx, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
