package sdkinterop_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kms/v2/model"
	"github.com/stretchr/testify/assert"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// TestConcurrentClients shares one SDK client between goroutines creating
// pairs of every spec, while another client with a wrong secret key is
// refused, all at once against one server (run with -race).
func TestConcurrentClients(t *testing.T) {
	const workers, rounds = 4, 2
	s := newServer(t)
	good := s.client(t, testAK, testSK)
	bad := s.client(t, testAK, testSK+"-wrong")

	var (
		wg       sync.WaitGroup
		created  atomic.Int64
		refused  atomic.Int64
		specs    = sdkSpecs()
		ctx      = t.Context()
		badCalls = workers * rounds
	)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				for i, sp := range specs {
					plain := (w+r+i)%2 == 0
					aad := fmt.Sprintf("worker=%d/round=%d", w, r)
					resp, err := good.CreateEcDatakeyPair(&model.CreateEcDatakeyPairRequest{Body: &model.CreateEcDatakeyPairRequestBody{
						KeyId:                       s.keyID,
						KeySpec:                     sp.sdk,
						WithPlainText:               &plain,
						AdditionalAuthenticatedData: &aad,
						Sequence:                    ptr(newSequence()),
					}})
					if assert.NoError(t, err, "worker %d %s", w, sp.spec) &&
						checkPair(t, ctx, s, sp.spec, aad, plain, resp) {
						created.Add(1)
					}
				}
			}
		})
	}
	wg.Go(func() {
		for range badCalls {
			_, err := bad.CreateEcDatakeyPair(&model.CreateEcDatakeyPairRequest{Body: &model.CreateEcDatakeyPairRequestBody{
				KeyId: s.keyID, KeySpec: specs[0].sdk,
			}})
			var se *sdkerr.ServiceResponseError
			if assert.True(t, errors.As(err, &se), "wrong SK: %v", err) &&
				assert.Equal(t, huawei.CodeOf(provider.FailUnauthenticated).Code, se.ErrorCode) &&
				assert.Equal(t, huawei.CodeOf(provider.FailUnauthenticated).Status, se.StatusCode) &&
				assert.NotEmpty(t, se.RequestId) {
				refused.Add(1)
			}
		}
	})
	wg.Wait()

	assert.EqualValues(t, workers*rounds*len(specs), created.Load(), "pairs created and checked")
	assert.EqualValues(t, badCalls, refused.Load(), "wrong-SK calls refused")
	ids := map[string]bool{}
	for _, e := range s.recorded() {
		assert.False(t, ids[e.requestID], "request id %s reused", e.requestID)
		ids[e.requestID] = true
	}
	assert.Len(t, ids, workers*rounds*len(specs)+badCalls, "distinct request ids")
}
