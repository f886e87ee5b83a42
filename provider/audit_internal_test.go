package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditLineMatchesEncodingJSON holds the hand-written audit line equal
// to encoding/json's marshalling of auditJSON, the documented format.
func TestAuditLineMatchesEncodingJSON(t *testing.T) {
	code := func(dialect string, f Failure) string { return dialect + "/" + f.String() }
	records := []AuditRecord{
		{Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Action: ActionCreateDataKeyPair},
		{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Action: ActionDecrypt,
			Caller: Caller{RequestID: "rid", Dialect: "aws", Principal: "alice <a&b>", Credential: "AK", Method: "sigv4", ProjectID: "p", RemoteAddr: "127.0.0.1:1"},
			KeyID:  "k", KeySpec: "ECC_NIST_P256", Holder: HolderPlaintext, Sequence: "s\u2028\"\\", Failure: FailForbidden, Message: "no\n\x00\xff",
			Decision: &Decision{By: "policy", Allowed: false}},
		{Action: "x", Holder: HolderWrappingKey, WrappingAlgorithm: "RSAES_OAEP_SHA_256", Decision: &Decision{Allowed: true}},
	}
	for _, r := range records {
		for _, c := range []func(string, Failure) string{nil, code} {
			j := newAuditJSON(&r, c)
			got := j.appendJSON(nil)
			j.Time = r.Time.UTC().Format(time.RFC3339Nano)
			want, err := json.Marshal(j)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		}
	}
}

// TestJSONAuditorOneWritePerLine checks each record is one whole line in
// one Write.
func TestJSONAuditorOneWritePerLine(t *testing.T) {
	var w writes
	a := NewJSONAuditor(&w, nil)
	for _, act := range []string{"a", "b"} {
		a.Audit(context.Background(), &AuditRecord{Action: act})
	}
	require.Len(t, w, 2)
	for i, act := range []string{"a", "b"} {
		require.True(t, bytes.HasSuffix(w[i], []byte("\n")))
		var m map[string]any
		require.NoError(t, json.Unmarshal(w[i], &m))
		assert.Equal(t, act, m["action"])
	}
}

type writes [][]byte

func (w *writes) Write(b []byte) (int, error) {
	*w = append(*w, bytes.Clone(b))
	return len(b), nil
}
