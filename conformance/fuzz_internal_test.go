package conformance

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFuzzDropTakesTheReasonAway: a Decrypt whose KeyId was changed must
// be refused, but once that optional KeyId is dropped the request is a
// valid Decrypt again (a 200 is no finding); dropping the ciphertext, which
// is required, keeps it refused.
func TestFuzzDropTakesTheReasonAway(t *testing.T) {
	for _, tc := range []struct {
		dropped    string
		wantRefuse bool
	}{
		{"dropped KeyId", false},
		{"dropped CiphertextBlob", true},
	} {
		t.Run(tc.dropped, func(t *testing.T) {
			found := false
			for seed := uint64(0); seed < 5000 && !found; seed++ {
				z := &fuzzer{d: AWS, rng: rand.New(rand.NewPCG(seed, 1))}
				q := &fuzzRequest{op: "Decrypt", decrypt: true, members: []member{{"CiphertextBlob", `"AAAA"`}, {"KeyId", `"other"`}}}
				z.valueChanged(q, "KeyId")
				require.NotEmpty(t, q.refuse, "a changed KeyId is refused")
				z.mutate(q)
				if !slices.Contains(q.mutation, tc.dropped) {
					continue
				}
				found = true
				assert.Equal(t, tc.wantRefuse, q.refuse != "", "refuse %q", q.refuse)
			}
			require.True(t, found, "no seed dropped the member")
		})
	}
}
