package cmstest

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAWSSDKModelReadsKMSSample(t *testing.T) {
	sample := KMSSample(t)
	require.Len(t, sample, 493)
	ek, iv, ct, err := ParseLikeAWSSDK(sample)
	require.NoError(t, err)
	// The expectations of tests/cms_test.c in aws-nitro-enclaves-sdk-c.
	assert.Equal(t, "688c6d5f7f31b0fecedf09f2e7c99ac9", hex.EncodeToString(iv))
	assert.Equal(t, "70e5caaffd49ad24efe15bf903be9d19895b777d269b57b025f6f67e7ef93f94464515f2ebe034ea0b7621a1ff19292e", hex.EncodeToString(ct))
	assert.Len(t, ek, 256)
	assert.Equal(t, "a0614593a030ee33", hex.EncodeToString(ek[:8]))
	assert.Equal(t, "b90ab0dd", hex.EncodeToString(ek[252:]))
}
