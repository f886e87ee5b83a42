package attest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDocumentConditionKeys(t *testing.T) {
	doc := &Document{PCRs: map[int][]byte{0: {0xAB, 0x01}, 3: {0xff}, 31: {0x00}}}
	assert.Equal(t, map[string]string{
		"kms:RecipientAttestation:ImageSha384": "ab01",
		"kms:RecipientAttestation:PCR0":        "ab01",
		"kms:RecipientAttestation:PCR3":        "ff",
		"kms:RecipientAttestation:PCR31":       "00",
	}, doc.ConditionKeys())
	noPCR0 := &Document{PCRs: map[int][]byte{1: {1}}}
	assert.Equal(t, map[string]string{"kms:RecipientAttestation:PCR1": "01"}, noPCR0.ConditionKeys())
}
