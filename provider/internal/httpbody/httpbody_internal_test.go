package httpbody

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
)

// TestReadAtMostMatchesReadAll holds readAtMost to what
// io.ReadAll(io.LimitReader(r, limit)) returns, whatever the announced
// length.
func TestReadAtMostMatchesReadAll(t *testing.T) {
	const limit = 100
	boom := errors.New("boom")
	for _, size := range []int{0, 1, 50, 99, 100, 101, 300} {
		data := bytes.Repeat([]byte("x"), size)
		for _, length := range []int64{-1, 0, 1, int64(size) - 1, int64(size), int64(size) + 1, 99} {
			for name, mk := range map[string]func() io.Reader{
				"plain":   func() io.Reader { return bytes.NewReader(data) },
				"onebyte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
				"dataerr": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
				"error":   func() io.Reader { return io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom)) },
			} {
				want, wantErr := io.ReadAll(io.LimitReader(mk(), limit))
				got, eof, err := readAtMost(mk(), length, limit)
				assert.Equal(t, wantErr, err, "%s size %d length %d", name, size, length)
				assert.Equal(t, want, got, "%s size %d length %d", name, size, length)
				if eof { // the end was seen: all of it was read
					assert.True(t, err == nil && len(got) == size, "%s size %d length %d: eof", name, size, length)
				} else if err == nil {
					assert.Len(t, got, limit, "%s size %d length %d: stopped at the limit", name, size, length)
				}
			}
		}
	}
}
