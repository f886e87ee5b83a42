package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
)

// TestAuditCountsThroughCachedChildren checks the cached children count in
// the vector, one series per label set.
func TestAuditCountsThroughCachedChildren(t *testing.T) {
	m := newMetrics()
	ok := &provider.AuditRecord{Action: provider.ActionCreateDataKeyPair, KeySpec: "ECC_NIST_P256", Caller: provider.Caller{Dialect: "aws"}}
	other := &provider.AuditRecord{Action: provider.ActionCreateDataKeyPair, KeySpec: "NOPE", Caller: provider.Caller{Dialect: "aws"}}
	for range 3 {
		m.Audit(t.Context(), ok)
	}
	m.Audit(t.Context(), other)
	assert.Equal(t, 3.0, testutil.ToFloat64(m.requests.WithLabelValues("aws", provider.ActionCreateDataKeyPair, "ECC_NIST_P256", "ok")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("aws", provider.ActionCreateDataKeyPair, "other", "ok")))
	assert.Equal(t, 2, testutil.CollectAndCount(m.requests))

	var c children[string, prometheus.Counter]
	_, found := c.get("x")
	require.False(t, found)
	want := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	c.put("x", want)
	got, found := c.get("x")
	require.True(t, found)
	assert.Same(t, want, got)
}
