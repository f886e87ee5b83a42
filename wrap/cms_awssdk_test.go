package wrap

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A model of aws_cms_parse_enveloped_data in aws-nitro-enclaves-sdk-c
// (source/cms.c), the parser enclave code written for KMS runs on
// CiphertextForRecipient, written against BoringSSL/AWS-LC CBS semantics:
//
//   - CBS_get_any_ber_asn1_element consumes a whole definite-length element,
//     but only the two header bytes of an indefinite-length one;
//   - CBS_get_asn1 / CBS_get_any_asn1 read DER (definite lengths) only, and
//     never an end-of-contents;
//   - tags are compared as identifier octets (low tag numbers only).
//
// The SDK walks the envelope with those calls in a fixed order, so its
// verdict depends on where lengths are definite. This model follows that
// order step by step; the test checks it against the SDK's own test vector.

var errAWSSDK = errors.New("aws_cms_parse_enveloped_data fails")

// awsCBS is a byte cursor with CBS semantics.
type awsCBS []byte

// header reads an identifier and length; indefinite reports 0x80 on a
// constructed element (allowed only when ber).
func (s awsCBS) header(ber bool) (tag byte, hdrLen, length int, indefinite, ok bool) {
	if len(s) < 2 || s[0]&0x1f == 0x1f || s[0] == 0 {
		return 0, 0, 0, false, false
	}
	tag, l := s[0], s[1]
	switch {
	case l < 0x80:
		return tag, 2, int(l), false, true
	case l == 0x80:
		return tag, 2, 0, true, ber && tag&0x20 != 0
	}
	n := int(l & 0x7f)
	if n > 4 || len(s) < 2+n || s[2] == 0 {
		return 0, 0, 0, false, false
	}
	length = 0
	for _, c := range s[2 : 2+n] {
		length = length<<8 | int(c)
	}
	if length < 0x80 {
		return 0, 0, 0, false, false
	}
	return tag, 2 + n, length, false, true
}

// getAnyBERElement is CBS_get_any_ber_asn1_element: it returns the element
// with its header (only the header when indefinite) and advances past it.
func (s *awsCBS) getAnyBERElement() (elem awsCBS, tag byte, hdrLen int, ok bool) {
	tag, hdrLen, length, indefinite, ok := s.header(true)
	if !ok {
		return nil, 0, 0, false
	}
	if indefinite {
		elem, *s = (*s)[:2], (*s)[2:]
		return elem, tag, 2, true
	}
	if len(*s) < hdrLen+length {
		return nil, 0, 0, false
	}
	elem, *s = (*s)[:hdrLen+length], (*s)[hdrLen+length:]
	return elem, tag, hdrLen, true
}

// getAnyASN1 is CBS_get_any_asn1: a DER element's contents.
func (s *awsCBS) getAnyASN1() (contents awsCBS, tag byte, ok bool) {
	tag, hdrLen, length, _, ok := s.header(false)
	if !ok || len(*s) < hdrLen+length {
		return nil, 0, false
	}
	contents, *s = (*s)[hdrLen:hdrLen+length], (*s)[hdrLen+length:]
	return contents, tag, true
}

// getASN1 is CBS_get_asn1: the contents of a DER element with tag.
func (s *awsCBS) getASN1(want byte) (awsCBS, bool) {
	save := *s
	contents, tag, ok := s.getAnyASN1()
	if !ok || tag != want {
		*s = save
		return nil, false
	}
	return contents, true
}

func (s awsCBS) peekTag(want byte) bool { return len(s) > 0 && s[0] == want }

func awsOIDIs(der awsCBS, oid asn1.ObjectIdentifier) bool {
	want, err := asn1.Marshal(oid)
	return err == nil && string(want[2:]) == string(der)
}

// awsSDKParseEnvelopedData returns what the SDK extracts: the encrypted key,
// the IV and the content ciphertext.
func awsSDKParseEnvelopedData(in []byte) (encryptedKey, iv, ciphertext []byte, err error) {
	cms := awsCBS(in)
	// ContentInfo SEQUENCE (out = NULL) and the envelopedData OID.
	if _, tag, _, ok := cms.getAnyBERElement(); !ok || tag != 0x30 {
		return nil, nil, nil, errAWSSDK
	}
	if oid, ok := cms.getASN1(0x06); !ok || !awsOIDIs(oid, cmsOIDEnvelopedData) {
		return nil, nil, nil, errAWSSDK
	}
	// [0], EnvelopedData SEQUENCE (both out = NULL), version INTEGER == 2.
	if _, _, _, ok := cms.getAnyBERElement(); !ok {
		return nil, nil, nil, errAWSSDK
	}
	if _, tag, _, ok := cms.getAnyBERElement(); !ok || tag != 0x30 {
		return nil, nil, nil, errAWSSDK
	}
	if v, ok := cms.getASN1(0x02); !ok || len(v) < 1 || v[0] != 2 {
		return nil, nil, nil, errAWSSDK
	}
	// recipientInfos SET as a whole element, then inside it one
	// KeyTransRecipientInfo: version 2, any rid, any algorithm, encryptedKey.
	envelopedData, tag, _, ok := cms.getAnyBERElement()
	if !ok || tag != 0x31 {
		return nil, nil, nil, errAWSSDK
	}
	if envelopedData.peekTag(0x30) { // optional originatorInfo SEQUENCE
		envelopedData.getASN1(0x30)
	}
	recipientInfos, ok := envelopedData.getASN1(0x31)
	if !ok {
		return nil, nil, nil, errAWSSDK
	}
	ri, ok := recipientInfos.getASN1(0x30)
	if !ok {
		return nil, nil, nil, errAWSSDK
	}
	if v, ok := ri.getASN1(0x02); !ok || len(v) != 1 || v[0] != 2 {
		return nil, nil, nil, errAWSSDK
	}
	if _, _, ok := ri.getAnyASN1(); !ok { // rid
		return nil, nil, nil, errAWSSDK
	}
	if _, ok := ri.getASN1(0x30); !ok { // keyEncryptionAlgorithm, not inspected
		return nil, nil, nil, errAWSSDK
	}
	if encryptedKey, ok = ri.getASN1(0x04); !ok {
		return nil, nil, nil, errAWSSDK
	}
	// EncryptedContentInfo SEQUENCE (out = NULL) and the data OID.
	if _, tag, _, ok := cms.getAnyBERElement(); !ok || tag != 0x30 {
		return nil, nil, nil, errAWSSDK
	}
	if oid, ok := cms.getASN1(0x06); !ok || !awsOIDIs(oid, cmsOIDData) {
		return nil, nil, nil, errAWSSDK
	}
	// contentEncryptionAlgorithm as a whole element: aes-256-cbc and the IV.
	alg, tag, hdrLen, ok := cms.getAnyBERElement()
	if !ok || tag != 0x30 || len(alg) < hdrLen {
		return nil, nil, nil, errAWSSDK
	}
	alg = alg[hdrLen:]
	oid, ok := alg.getASN1(0x06)
	if !ok {
		return nil, nil, nil, errAWSSDK
	}
	if iv, ok = alg.getASN1(0x04); !ok || !awsOIDIs(oid, cmsOIDAES256CBC) {
		return nil, nil, nil, errAWSSDK
	}
	// encryptedContent: primitive [0] pieces, or an indefinite constructed
	// [0] of OCTET STRING chunks.
	if cms.peekTag(0x80) {
		for {
			part, _, ok := cms.getAnyASN1()
			if !ok {
				break
			}
			ciphertext = append(ciphertext, part...)
		}
	} else {
		if _, _, _, ok := cms.getAnyBERElement(); !ok {
			return nil, nil, nil, errAWSSDK
		}
		for {
			chunk, tag, _, ok := cms.getAnyBERElement()
			if !ok || tag != 0x04 {
				break
			}
			part, ok := chunk.getASN1(0x04)
			if !ok {
				return nil, nil, nil, errAWSSDK
			}
			ciphertext = append(ciphertext, part...)
		}
	}
	return []byte(encryptedKey), []byte(iv), ciphertext, nil
}

// awsSDKDecrypt opens an envelope as the SDK's kms.c does after parsing:
// RSA-OAEP-SHA-256 on the key, then AES-256-CBC with PKCS#7 padding.
func awsSDKDecrypt(priv *rsa.PrivateKey, envelope []byte) ([]byte, error) {
	ek, iv, ct, err := awsSDKParseEnvelopedData(envelope)
	if err != nil {
		return nil, err
	}
	cek, err := rsa.DecryptOAEP(sha256.New(), nil, priv, ek, nil)
	if err != nil {
		return nil, err
	}
	return cmsCBCOpen(cek, iv, ct)
}

func TestAWSSDKModelReadsKMSSample(t *testing.T) {
	ek, iv, ct, err := awsSDKParseEnvelopedData(cmsTestKMSSample(t))
	require.NoError(t, err)
	// The expectations of tests/cms_test.c in aws-nitro-enclaves-sdk-c.
	assert.Equal(t, cmsTestHex(t, "688c6d5f7f31b0fecedf09f2e7c99ac9"), iv)
	assert.Equal(t, cmsTestHex(t, "70e5caaffd49ad24efe15bf903be9d19895b777d269b57b025f6f67e7ef93f94464515f2ebe034ea0b7621a1ff19292e"), ct)
	assert.Len(t, ek, 256)
	assert.Equal(t, cmsTestHex(t, "a0614593a030ee33"), ek[:8])
	assert.Equal(t, cmsTestHex(t, "b90ab0dd"), ek[252:])
}

// TestAWSSDKModelOpensOurEnvelopes: enclave code on the AWS SDK opens what
// we send, for every key spec; the same envelope in DER, which the SDK's
// parser cannot walk, is refused: that is why we send BER.
func TestAWSSDKModelOpensOurEnvelopes(t *testing.T) {
	w, _, priv := rcpTestWrapper(t, 2048)
	ctx := context.Background()
	n := 0
	for _, spec := range curves.Specs() {
		pkcs8 := rcpTestPKCS8(t, spec)
		env, err := w.Wrap(ctx, pkcs8, nil)
		require.NoError(t, err)
		got, err := awsSDKDecrypt(priv, env)
		require.NoError(t, err, spec)
		assert.Equal(t, pkcs8, got, spec)

		der, err := cmsBERToDER(env)
		require.NoError(t, err)
		_, _, _, err = awsSDKParseEnvelopedData(der)
		assert.ErrorIs(t, err, errAWSSDK, "a DER envelope does not parse in the AWS SDK")
		n++
	}
	assert.Equal(t, len(curves.Specs()), n)
}
