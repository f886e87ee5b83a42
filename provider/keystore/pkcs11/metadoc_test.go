//go:build cgo

package pkcs11

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func jsonOf(t *testing.T, d metaDoc) []byte {
	t.Helper()
	b, err := json.Marshal(d)
	require.NoError(t, err)
	return b
}

// jsonWith adds a member to d's JSON object.
func jsonWith(t *testing.T, d metaDoc, member string) []byte {
	t.Helper()
	b := jsonOf(t, d)
	return append(append(b[:len(b)-1], ','), append([]byte(member), '}')...)
}
