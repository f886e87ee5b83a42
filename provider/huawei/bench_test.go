package huawei_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/benchpair"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// BenchmarkHandler measures one request through NewHandler (httptest
// recorder, no network) beside the in-process call of the same spec: alone
// (inproc, handler) and alternated call by call (paired: added-ns/op is
// what the handler adds). Budget (DESIGN.md): at most 15 us per request.
func BenchmarkHandler(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	h := huawei.NewHandler(f.P)
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
		r.Header.Set("Content-Type", "application/json")
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
		b.Run(string(spec)+"/inproc", func(b *testing.B) { benchpair.Alone(b, inproc) })
		b.Run(string(spec)+"/handler", func(b *testing.B) { benchpair.Alone(b, handler) })
		b.Run(string(spec)+"/paired", func(b *testing.B) { benchpair.Paired(b, "inproc", inproc, "handler", handler) })
	}
}
