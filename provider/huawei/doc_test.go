package huawei

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/doctable"
	"github.com/ecdkp/ecdkp/provider"
)

// TestDocumentedCodesMatchTable: the table in the package doc is the code's
// table, row for row, and every provider failure has a row.
func TestDocumentedCodesMatchTable(t *testing.T) {
	byName := map[string]provider.Failure{}
	for _, f := range provider.Failures() {
		byName[f.String()] = f
	}
	documented := map[provider.Failure]Code{}
	for _, m := range doctable.Rows(t, "doc.go", doctable.FailureRow(`KMS\.\d{4}`)) {
		f, ok := byName[m[1]]
		require.True(t, ok, "documented failure %q is not a provider failure", m[1])
		_, dup := documented[f]
		require.False(t, dup, "failure %q documented twice", m[1])
		status, _ := strconv.Atoi(m[2])
		documented[f] = Code{status, m[3]}
	}
	assert.Equal(t, codes, documented, "doc.go's table and codes differ")
	for _, f := range provider.Failures() {
		_, ok := codes[f]
		assert.True(t, ok, "failure %q has no code", f)
	}
}
