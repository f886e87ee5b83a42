// Package cmstest holds what tests of CMS envelopes share: the
// CiphertextForRecipient AWS KMS returned in aws-nitro-enclaves-sdk-c's
// tests, and a model of that SDK's parser, so wrap's tests can check that
// enclave code written for KMS opens what wrap sends. Only tests import it.
package cmstest

import (
	_ "embed"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

//go:embed testdata/kms_ciphertext_for_recipient.hex
var kmsSampleHex string

// KMSSample returns the CiphertextForRecipient that AWS KMS returned in
// aws-nitro-enclaves-sdk-c's tests (testdata/kms_ciphertext_for_recipient.hex,
// whose header says where it comes from): 493 bytes of BER.
func KMSSample(tb testing.TB) []byte {
	tb.Helper()
	var sb strings.Builder
	for _, l := range strings.Split(kmsSampleHex, "\n") {
		if !strings.HasPrefix(l, "#") {
			sb.WriteString(strings.TrimSpace(l))
		}
	}
	der, err := hex.DecodeString(sb.String())
	if err != nil {
		tb.Fatalf("cmstest: KMS sample: %v", err)
	}
	return der
}

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
// order step by step; this package's test checks it against the SDK's own
// test vector. Its object identifiers are its own, as the SDK's are.

// ErrAWSSDK is the model's one failure: the SDK's parser returns an error.
var ErrAWSSDK = errors.New("cmstest: aws_cms_parse_enveloped_data fails")

// Object identifiers the SDK's parser compares.
var (
	oidEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

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

// ParseLikeAWSSDK parses in as aws_cms_parse_enveloped_data does and
// returns what the SDK extracts: the encrypted key, the IV and the content
// ciphertext. It fails with ErrAWSSDK where the SDK fails.
func ParseLikeAWSSDK(in []byte) (encryptedKey, iv, ciphertext []byte, err error) {
	cms := awsCBS(in)
	// ContentInfo SEQUENCE (out = NULL) and the envelopedData OID.
	if _, tag, _, ok := cms.getAnyBERElement(); !ok || tag != 0x30 {
		return nil, nil, nil, ErrAWSSDK
	}
	if oid, ok := cms.getASN1(0x06); !ok || !awsOIDIs(oid, oidEnvelopedData) {
		return nil, nil, nil, ErrAWSSDK
	}
	// [0], EnvelopedData SEQUENCE (both out = NULL), version INTEGER == 2.
	if _, _, _, ok := cms.getAnyBERElement(); !ok {
		return nil, nil, nil, ErrAWSSDK
	}
	if _, tag, _, ok := cms.getAnyBERElement(); !ok || tag != 0x30 {
		return nil, nil, nil, ErrAWSSDK
	}
	if v, ok := cms.getASN1(0x02); !ok || len(v) < 1 || v[0] != 2 {
		return nil, nil, nil, ErrAWSSDK
	}
	// recipientInfos SET as a whole element, then inside it one
	// KeyTransRecipientInfo: version 2, any rid, any algorithm, encryptedKey.
	envelopedData, tag, _, ok := cms.getAnyBERElement()
	if !ok || tag != 0x31 {
		return nil, nil, nil, ErrAWSSDK
	}
	if envelopedData.peekTag(0x30) { // optional originatorInfo SEQUENCE
		envelopedData.getASN1(0x30)
	}
	recipientInfos, ok := envelopedData.getASN1(0x31)
	if !ok {
		return nil, nil, nil, ErrAWSSDK
	}
	ri, ok := recipientInfos.getASN1(0x30)
	if !ok {
		return nil, nil, nil, ErrAWSSDK
	}
	if v, ok := ri.getASN1(0x02); !ok || len(v) != 1 || v[0] != 2 {
		return nil, nil, nil, ErrAWSSDK
	}
	if _, _, ok := ri.getAnyASN1(); !ok { // rid
		return nil, nil, nil, ErrAWSSDK
	}
	if _, ok := ri.getASN1(0x30); !ok { // keyEncryptionAlgorithm, not inspected
		return nil, nil, nil, ErrAWSSDK
	}
	if encryptedKey, ok = ri.getASN1(0x04); !ok {
		return nil, nil, nil, ErrAWSSDK
	}
	// EncryptedContentInfo SEQUENCE (out = NULL) and the data OID.
	if _, tag, _, ok := cms.getAnyBERElement(); !ok || tag != 0x30 {
		return nil, nil, nil, ErrAWSSDK
	}
	if oid, ok := cms.getASN1(0x06); !ok || !awsOIDIs(oid, oidData) {
		return nil, nil, nil, ErrAWSSDK
	}
	// contentEncryptionAlgorithm as a whole element: aes-256-cbc and the IV.
	alg, tag, hdrLen, ok := cms.getAnyBERElement()
	if !ok || tag != 0x30 || len(alg) < hdrLen {
		return nil, nil, nil, ErrAWSSDK
	}
	alg = alg[hdrLen:]
	oid, ok := alg.getASN1(0x06)
	if !ok {
		return nil, nil, nil, ErrAWSSDK
	}
	if iv, ok = alg.getASN1(0x04); !ok || !awsOIDIs(oid, oidAES256CBC) {
		return nil, nil, nil, ErrAWSSDK
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
			return nil, nil, nil, ErrAWSSDK
		}
		for {
			chunk, tag, _, ok := cms.getAnyBERElement()
			if !ok || tag != 0x04 {
				break
			}
			part, ok := chunk.getASN1(0x04)
			if !ok {
				return nil, nil, nil, ErrAWSSDK
			}
			ciphertext = append(ciphertext, part...)
		}
	}
	return []byte(encryptedKey), []byte(iv), ciphertext, nil
}
