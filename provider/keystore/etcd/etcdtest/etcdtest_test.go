package etcdtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCluster: a started cluster has a leader and answers; a killed member
// stops answering and is not running; restarted on its data, it answers
// with what was written before.
func TestCluster(t *testing.T) {
	c := Start(t, 3)
	require.Equal(t, 3, c.Len())
	ctx := context.Background()
	_, err := c.Client(t).Put(ctx, "/k", "v")
	require.NoError(t, err)
	leader := c.Leader(t)
	require.GreaterOrEqual(t, leader, 0)
	assert.NotZero(t, c.Pid(leader))

	c.Kill(leader)
	assert.False(t, c.Running(leader))
	assert.Zero(t, c.Pid(leader))
	rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = c.Client(t, leader).Get(rctx, "/k")
	cancel()
	assert.Error(t, err, "a killed member answers nothing")

	c.Restart(t, leader)
	c.Wait(t)
	resp, err := c.Client(t, leader).Get(ctx, "/k")
	require.NoError(t, err)
	require.Len(t, resp.Kvs, 1)
	assert.Equal(t, "v", string(resp.Kvs[0].Value))
	assert.Positive(t, c.CPU())
	assert.Len(t, c.Endpoints(0, 2), 2)
}
