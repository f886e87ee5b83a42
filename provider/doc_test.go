package provider_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/doctable"
	"github.com/ecdkp/ecdkp/provider"
)

// TestDocumentedAuthorization: the package doc's tables of actions and
// condition keys are the code's lists, row for row.
func TestDocumentedAuthorization(t *testing.T) {
	actionRow := regexp.MustCompile(`^//\t(kms:cmk:\w+)\s{2,}\S`)
	keyRow := regexp.MustCompile(`^//\t((?:kms|ecdkp|g):[\w:/]+)\s+(String|Bool|Numeric)(\[\])?\s+(request|key|final|never)`)
	var actions []string
	for _, m := range doctable.Rows(t, "doc.go", actionRow) {
		actions = append(actions, m[1])
	}
	known := map[string]provider.AuthzPhase{"request": provider.PhaseRequest, "never": provider.PhaseRequest, "key": provider.PhaseKey, "final": provider.PhaseFinal}
	var keys []provider.ConditionKey
	for _, m := range doctable.Rows(t, "doc.go", keyRow) {
		keys = append(keys, provider.ConditionKey{Name: m[1], Type: m[2], Multi: m[3] != "", Known: known[m[4]]})
	}
	assert.Equal(t, provider.Actions(), actions)
	code := provider.ConditionKeys()
	require.Len(t, keys, len(code))
	for i, k := range code {
		assert.Equal(t, k.Name, keys[i].Name)
		assert.Equal(t, k.Type, keys[i].Type, k.Name)
		assert.Equal(t, k.Multi, keys[i].Multi, k.Name)
		assert.Equal(t, k.Known, keys[i].Known, k.Name)
		assert.Equal(t, strings.HasSuffix(k.Name, ":") || strings.HasSuffix(k.Name, "/"), k.Prefix, "a prefix key's name ends in its separator: %s", k.Name)
		for _, phase := range []provider.AuthzPhase{provider.PhaseRequest, provider.PhaseKey, provider.PhaseFinal} {
			name := k.Name
			if k.Prefix {
				name += "x"
			}
			assert.Equal(t, phase >= k.Known, provider.KnownAt(name, phase), "KnownAt(%s, %s)", name, phase)
		}
	}
}
