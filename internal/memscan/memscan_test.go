package memscan

import (
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountFindsLiveAndNotWiped(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	for _, size := range []int{1, 32, 300, 5000} {
		s := make([]byte, size)
		_, _ = rand.Read(s)
		if size == 1 {
			s[0] = 0xa5
		}
		m := Mask(s)
		n, err := Count([]Masked{m})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, n, 1, "a live %d-byte secret is found", size)
		if size > 16 {
			clear(s)
			n, err = Count([]Masked{m})
			require.NoError(t, err)
			assert.Zero(t, n, "a wiped %d-byte secret is not", size)
		}
		runtime.KeepAlive(s)
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	str := hex.EncodeToString(raw) // on the heap, unlike a literal
	n, err := Count([]Masked{MaskString(str)})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 1, "a live string is found")
	runtime.KeepAlive(str)

	_, err = Count([]Masked{{}})
	assert.Error(t, err, "an empty secret is refused")
}
