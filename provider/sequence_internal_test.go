package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSequenceCacheWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newSequenceCache(time.Minute, func() time.Time { return now })
	assert.True(t, c.admit("a"))
	assert.False(t, c.admit("a"), "replay within the window")
	now = now.Add(59 * time.Second)
	assert.False(t, c.admit("a"))
	assert.True(t, c.admit("b"))
	now = now.Add(2 * time.Second)
	assert.True(t, c.admit("a"), "remembered for the window only")
	assert.False(t, c.admit("b"), "b is still inside its own window")
	now = now.Add(time.Hour)
	assert.True(t, c.admit("b"))
	assert.LessOrEqual(t, len(c.seen), 2, "expired entries are dropped")
}

func TestSequenceCacheBounded(t *testing.T) {
	now := time.Unix(0, 0)
	c := newSequenceCache(time.Hour, func() time.Time { return now })
	for i := 0; i < maxSequences+5000; i++ {
		assert.True(t, c.admit(fmt.Sprint(i)))
	}
	assert.LessOrEqual(t, len(c.seen), maxSequences)
	assert.LessOrEqual(t, len(c.fifo)-c.head, maxSequences)
	assert.False(t, c.admit(fmt.Sprint(maxSequences+4999)), "recent ones are kept")
	assert.True(t, c.admit("0"), "the oldest were forgotten first")
}
