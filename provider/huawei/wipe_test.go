package huawei_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// TestHandlerBodyWiped checks that the handler's pooled response buffer,
// which holds the plaintext private key of create and decrypt responses, is
// all zeros once the response is written, including when the pooled buffer
// was too small and had to be replaced.
func TestHandlerBodyWiped(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	h := huawei.NewHandler(f.P)
	post := func(route string, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1.0/"+project+"/kms/"+route, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return w
	}
	for _, size := range []int{4096, 8} {
		t.Run(fmt.Sprintf("pooled cap %d", size), func(t *testing.T) {
			var got []*[]byte
			restore := huawei.SwapBodyPool(func() *[]byte {
				b := make([]byte, 0, size)
				got = append(got, &b)
				return &b
			})
			defer restore()
			w := post("create-ec-datakey-pair", `{"key_id":"`+f.AES+`","key_spec":"ECC_NIST_P521"}`)
			var resp provider.CreateEcDatakeyPairResponse
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
			require.NotEmpty(t, resp.PrivateKeyPlainText)
			post("decrypt-datakey-pair", `{"cipher_text":"`+resp.PrivateKeyCipherText+`"}`)
			require.NotEmpty(t, got)
			for _, b := range got {
				all := (*b)[:cap(*b)]
				assert.GreaterOrEqual(t, len(all), len(w.Body.Bytes()), "the buffer held the body")
				assert.Equal(t, make([]byte, len(all)), all, "response buffer holds the body after the call")
			}
		})
	}
}
