package huawei_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

func ptr[T any](v T) *T { return &v }

// TestRequestTagsMatchDecoder: the json tags of the request types (which
// clients such as the conformance harness marshal) name exactly the
// members the handler reads.
func TestRequestTagsMatchDecoder(t *testing.T) {
	create := provider.CreateEcDatakeyPairRequest{
		KeyID: "k", KeySpec: "s", WithPlainText: ptr(false), AdditionalAuthenticatedData: "a",
		Sequence: "q", WrappingPublicKey: "w", WrappingAlgorithm: "g",
		Recipient: &provider.Recipient{AttestationDocument: "d", KeyEncryptionAlgorithm: "e"},
		Pin:       ptr("p"), PinType: ptr("t"),
	}
	require.Equal(t, 12, reflect.TypeFor[provider.CreateEcDatakeyPairRequest]().NumField(), "a new field needs the decoder too (or the tag \"-\" of a field the Huawei API lacks)")
	body, err := json.Marshal(create)
	require.NoError(t, err)
	got, e := huawei.DecodeCreate(body)
	require.Nil(t, e)
	assert.Equal(t, &create, got)

	decrypt := provider.DecryptDatakeyPairRequest{CipherText: "c", AdditionalAuthenticatedData: "a", KeySpec: "s", Sequence: "q"}
	require.Equal(t, 7, reflect.TypeFor[provider.DecryptDatakeyPairRequest]().NumField())
	body, err = json.Marshal(decrypt)
	require.NoError(t, err)
	gotD, e := huawei.DecodeDecrypt(body)
	require.Nil(t, e)
	assert.Equal(t, &decrypt, gotD)
}
