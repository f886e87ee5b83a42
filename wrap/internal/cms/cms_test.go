package cms

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ecdkp/ecdkp/internal/wycheproof"
	"github.com/ecdkp/ecdkp/wrap/internal/cms/cmstest"
	"github.com/ecdkp/ecdkp/wrap/internal/errs"
)

func testHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// TestLayoutIsKMSLayout parses KMS's own envelope and re-encodes its parts
// with our encoder: the bytes must be identical, so ours differs from KMS's
// only in the keys, IV and ciphertexts.
func TestLayoutIsKMSLayout(t *testing.T) {
	sample := cmstest.KMSSample(t)
	require.Len(t, sample, 493)
	e, err := Parse(sample)
	require.NoError(t, err)
	// The values aws-nitro-enclaves-sdk-c's test expects from its parser.
	assert.Equal(t, testHex(t, "688c6d5f7f31b0fecedf09f2e7c99ac9"), e.IV)
	assert.Equal(t, testHex(t, "70e5caaffd49ad24efe15bf903be9d19895b777d269b57b025f6f67e7ef93f94464515f2ebe034ea0b7621a1ff19292e"), e.Content)
	assert.Len(t, e.EncryptedKey, 256)
	assert.Equal(t, testHex(t, "a0614593a030ee33"), e.EncryptedKey[:8])
	assert.Len(t, e.KeyID, 32, "KMS writes a 32-byte subjectKeyIdentifier")

	ours, err := e.Marshal()
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(sample), hex.EncodeToString(ours))
}

// testParts are the pieces of an envelope, each an encoded element, so a
// test can swap any one of them for a malformed one.
type testParts struct {
	contentType   asn1.ObjectIdentifier
	envVersion    int64
	originator    []byte // optional [0] originatorInfo
	recipients    [][]byte
	ecContentType asn1.ObjectIdentifier
	contentAlg    []byte
	content       []byte // the encryptedContent element, primitive or constructed
	unprotected   []byte // optional [1] unprotectedAttrs
	definite      bool   // DER lengths instead of the KMS indefinite ones
}

func testElement(tag cbasn1.Tag, f func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(tag, f)
	return b.BytesOrPanic()
}

// testRecipient encodes a KeyTransRecipientInfo.
func testRecipient(version int64, rid, alg, encryptedKey []byte) []byte {
	return testElement(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(version)
		b.AddBytes(rid)
		b.AddBytes(alg)
		b.AddASN1OctetString(encryptedKey)
	})
}

func testAESCBC(oid asn1.ObjectIdentifier, iv []byte) []byte {
	return testElement(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1OctetString(iv)
	})
}

// partsOf splits a parsed envelope into parts that re-encode to it.
func partsOf(e *Envelope) testParts {
	rid := testElement(tagContext0, func(b *cryptobyte.Builder) { b.AddBytes(e.KeyID) })
	return testParts{
		contentType:   oidEnvelopedData,
		envVersion:    2,
		recipients:    [][]byte{testRecipient(2, rid, oaepAlgorithm, e.EncryptedKey)},
		ecContentType: oidData,
		contentAlg:    testAESCBC(oidAES256CBC, e.IV),
		content: append(append([]byte{0xa0, 0x80},
			testElement(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddBytes(e.Content) })...), 0, 0),
	}
}

// encode builds the envelope, with KMS's indefinite lengths unless definite.
func (p testParts) encode(t testing.TB) []byte {
	t.Helper()
	var b cryptobyte.Builder
	eci := func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(p.ecContentType)
		b.AddBytes(p.contentAlg)
		b.AddBytes(p.content)
	}
	env := func(b *cryptobyte.Builder) {
		b.AddASN1Int64(p.envVersion)
		b.AddBytes(p.originator)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, r := range p.recipients {
				b.AddBytes(r)
			}
		})
		if p.definite {
			b.AddASN1(cbasn1.SEQUENCE, eci)
		} else {
			b.AddBytes([]byte{0x30, 0x80})
			eci(b)
			b.AddBytes([]byte{0, 0})
		}
		b.AddBytes(p.unprotected)
	}
	if p.definite {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(p.contentType)
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { b.AddASN1(cbasn1.SEQUENCE, env) })
		})
	} else {
		b.AddBytes([]byte{0x30, 0x80})
		b.AddASN1ObjectIdentifier(p.contentType)
		b.AddBytes([]byte{0xa0, 0x80, 0x30, 0x80})
		env(&b)
		b.AddBytes([]byte{0, 0, 0, 0, 0, 0})
	}
	out, err := b.Bytes()
	require.NoError(t, err)
	return out
}

func TestPartsEncoderMatchesSample(t *testing.T) {
	sample := cmstest.KMSSample(t)
	e, err := Parse(sample)
	require.NoError(t, err)
	assert.Equal(t, sample, partsOf(e).encode(t))

	// The DER form and a primitive encryptedContent parse to the same values.
	der := partsOf(e)
	der.definite = true
	der.content = testElement(tagContext0, func(b *cryptobyte.Builder) { b.AddBytes(e.Content) })
	e2, err := Parse(der.encode(t))
	require.NoError(t, err)
	assert.Equal(t, e, e2)

	// Several chunks are concatenated.
	chunked := partsOf(e)
	chunked.content = testElement(tagExplicit0, func(b *cryptobyte.Builder) {
		b.AddASN1OctetString(e.Content[:5])
		b.AddASN1OctetString(nil)
		b.AddASN1OctetString(e.Content[5:])
	})
	e3, err := Parse(chunked.encode(t))
	require.NoError(t, err)
	assert.Equal(t, e.Content, e3.Content)
}

func TestParseRejects(t *testing.T) {
	sample := cmstest.KMSSample(t)
	e, err := Parse(sample)
	require.NoError(t, err)
	rid := testElement(tagContext0, func(b *cryptobyte.Builder) { b.AddBytes(e.KeyID) })
	sha1Alg := testElement(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26})
		b.AddASN1NULL()
	})
	oaep := func(params func(b *cryptobyte.Builder)) []byte {
		return testElement(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidRSAESOAEP)
			if params != nil {
				b.AddASN1(cbasn1.SEQUENCE, params)
			}
		})
	}
	hash := func(b *cryptobyte.Builder) { b.AddASN1(tagExplicit0, addSHA256) }
	mgf := func(h []byte) func(b *cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddASN1(tagExplicit1, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidMGF1)
					b.AddBytes(h)
				})
			})
		}
	}
	sha256Alg := testElement(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidSHA256) })
	label := func(l []byte) func(b *cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddASN1(tagExplicit2, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidPSpecified)
					b.AddASN1OctetString(l)
				})
			})
		}
	}
	issuerAndSerial := testElement(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {})
		b.AddASN1Int64(1)
	})

	tests := []struct {
		name   string
		mutate func(p *testParts)
		want   string
	}{
		{"signedData content type", func(p *testParts) { p.contentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2} },
			"content type is not id-envelopedData"},
		{"EnvelopedData version 0", func(p *testParts) { p.envVersion = 0 }, "EnvelopedData version is not 2"},
		{"version 0 issuerAndSerialNumber recipient (other emulators)", func(p *testParts) {
			p.envVersion = 0
			p.recipients[0] = testRecipient(0, issuerAndSerial, oaepAlgorithm, e.EncryptedKey)
		}, "EnvelopedData version is not 2"},
		{"KTRI version 0", func(p *testParts) { p.recipients[0] = testRecipient(0, rid, oaepAlgorithm, e.EncryptedKey) },
			"KeyTransRecipientInfo version is not 2"},
		{"issuerAndSerialNumber rid", func(p *testParts) {
			p.recipients[0] = testRecipient(2, issuerAndSerial, oaepAlgorithm, e.EncryptedKey)
		}, "recipient identifier is not a [0] subjectKeyIdentifier"},
		{"two recipients", func(p *testParts) { p.recipients = append(p.recipients, p.recipients[0]) }, "more than one recipientInfo"},
		{"no recipients", func(p *testParts) { p.recipients = nil }, "recipientInfos is not a SET holding"},
		{"originatorInfo", func(p *testParts) { p.originator = []byte{0xa0, 0x00} }, "originatorInfo is not supported"},
		{"unprotectedAttrs", func(p *testParts) { p.unprotected = []byte{0xa1, 0x00} }, "unprotectedAttrs are not supported"},
		{"PKCS#1 v1.5 key transport", func(p *testParts) {
			alg := testElement(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1})
				b.AddASN1NULL()
			})
			p.recipients[0] = testRecipient(2, rid, alg, e.EncryptedKey)
		}, "keyEncryptionAlgorithm is not rsaesOaep"},
		{"OAEP default SHA-1 parameters", func(p *testParts) { p.recipients[0] = testRecipient(2, rid, oaep(nil), e.EncryptedKey) },
			"parameters are absent"},
		{"OAEP empty parameters", func(p *testParts) {
			p.recipients[0] = testRecipient(2, rid, oaep(func(*cryptobyte.Builder) {}), e.EncryptedKey)
		}, "rsaesOaep hash is not SHA-256"},
		{"OAEP SHA-1 hash", func(p *testParts) {
			p.recipients[0] = testRecipient(2, rid, oaep(func(b *cryptobyte.Builder) {
				b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { b.AddBytes(sha1Alg) })
				mgf(sha256Alg)(b)
			}), e.EncryptedKey)
		}, "rsaesOaep hash is not SHA-256"},
		{"OAEP MGF1-SHA-1", func(p *testParts) {
			p.recipients[0] = testRecipient(2, rid, oaep(func(b *cryptobyte.Builder) { hash(b); mgf(sha1Alg)(b) }), e.EncryptedKey)
		}, "mask generation is not MGF1 with SHA-256"},
		{"OAEP default MGF", func(p *testParts) {
			p.recipients[0] = testRecipient(2, rid, oaep(hash), e.EncryptedKey)
		}, "mask generation is not MGF1 with SHA-256"},
		{"OAEP non-empty label", func(p *testParts) {
			p.recipients[0] = testRecipient(2, rid, oaep(func(b *cryptobyte.Builder) { hash(b); mgf(sha256Alg)(b); label([]byte("x"))(b) }), e.EncryptedKey)
		}, "label is not the empty pSpecified default"},
		{"data content type", func(p *testParts) { p.ecContentType = oidEnvelopedData }, "encrypted content type is not id-data"},
		{"AES-128-CBC", func(p *testParts) {
			p.contentAlg = testAESCBC(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}, e.IV)
		},
			"contentEncryptionAlgorithm is not aes256-CBC"},
		{"8-byte IV", func(p *testParts) { p.contentAlg = testAESCBC(oidAES256CBC, e.IV[:8]) }, "not a 16-byte IV"},
		{"no encryptedContent", func(p *testParts) { p.content = nil }, "encryptedContent is absent"},
		{"chunk not an OCTET STRING", func(p *testParts) {
			p.content = testElement(tagExplicit0, func(b *cryptobyte.Builder) { b.AddASN1Int64(5) })
		}, "chunk is not an OCTET STRING"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, definite := range []bool{false, true} {
				p := partsOf(e)
				p.definite = definite
				tc.mutate(&p)
				_, err := Parse(p.encode(t))
				require.ErrorIs(t, err, errs.MalformedEnvelope)
				assert.Contains(t, err.Error(), tc.want)
			}
		})
	}
}

func TestParseRejectsBadBER(t *testing.T) {
	sample := cmstest.KMSSample(t)
	deep := bytes.Repeat([]byte{0x30, 0x80}, 40)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "truncated element header"},
		{"trailing bytes", append(append([]byte{}, sample...), 0x05, 0x00), "2 trailing bytes"},
		{"missing end-of-contents", sample[:len(sample)-2], "lacks its end-of-contents"},
		{"indefinite primitive", []byte{0x04, 0x80, 0x00, 0x00}, "indefinite length on a primitive element"},
		{"non-minimal length", []byte{0x04, 0x81, 0x01, 0x00}, "non-minimal length encoding"},
		{"leading zero length", []byte{0x04, 0x82, 0x00, 0x81}, "non-minimal length encoding"},
		{"five-byte length", []byte{0x04, 0x85, 1, 0, 0, 0, 0}, "length of more than four bytes"},
		{"length past the end", []byte{0x04, 0x05, 0x00}, "runs past the end"},
		{"high tag number", []byte{0x1f, 0x81, 0x00}, "high tag number form"},
		{"stray end-of-contents", []byte{0x00, 0x00}, "unexpected end-of-contents"},
		{"nested too deep", deep, "nested more than 16 deep"},
		{"too large", make([]byte, maxEnvelope+1), "more than the 65536 allowed"},
		{"not a ContentInfo", []byte{0x31, 0x00}, "not a single ContentInfo SEQUENCE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			require.ErrorIs(t, err, errs.MalformedEnvelope)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// Every proper prefix of the KMS envelope is refused.
	n := 0
	for i := range len(sample) {
		_, err := Parse(sample[:i])
		require.ErrorIs(t, err, errs.MalformedEnvelope, "prefix of %d bytes", i)
		n++
	}
	assert.Equal(t, len(sample), n)
}

func TestContentCipherWycheproof(t *testing.T) {
	f := wycheproof.Load(t, "aes_cbc_pkcs5_test.json")
	require.Equal(t, "AES-CBC-PKCS5", f.Algorithm)
	valid, invalid := 0, 0
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			switch tc.Result {
			case "valid":
				ct, err := SealCBC(tc.Key, tc.IV, tc.Msg)
				require.NoError(t, err, "tcId %d", tc.TcID)
				assert.Equal(t, hex.EncodeToString(tc.CT), hex.EncodeToString(ct), "tcId %d: %s", tc.TcID, tc.Comment)
				pt, err := OpenCBC(tc.Key, tc.IV, tc.CT)
				require.NoError(t, err, "tcId %d", tc.TcID)
				assert.Equal(t, hex.EncodeToString(tc.Msg), hex.EncodeToString(pt), "tcId %d", tc.TcID)
				valid++
			case "invalid":
				_, err := OpenCBC(tc.Key, tc.IV, tc.CT)
				assert.Error(t, err, "tcId %d: %s", tc.TcID, tc.Comment)
				assert.True(t, isOneOf(err, errs.Decrypt, errs.MalformedEnvelope), "tcId %d: %v", tc.TcID, err)
				invalid++
			default:
				t.Fatalf("tcId %d: unexpected result %q", tc.TcID, tc.Result)
			}
		}
	}
	assert.Equal(t, f.NumberOfTests, valid+invalid)
	assert.Equal(t, 216, valid+invalid)
	assert.Equal(t, 72, valid)
	assert.Equal(t, 144, invalid)
}

func TestPKCS7Unpad(t *testing.T) {
	block := func(tail ...byte) []byte { return append(bytes.Repeat([]byte{0xee}, 32-len(tail)), tail...) }
	for pad := 1; pad <= 16; pad++ {
		n, ok := pkcs7Unpad(block(bytes.Repeat([]byte{byte(pad)}, pad)...))
		assert.True(t, ok, "pad %d", pad)
		assert.Equal(t, 32-pad, n)
	}
	for name, b := range map[string][]byte{
		"zero":         block(0),
		"seventeen":    block(bytes.Repeat([]byte{17}, 17)...),
		"0xff":         block(0xff),
		"inconsistent": block(3, 2, 3),
		"short run":    block(1, 4, 4, 4),
	} {
		_, ok := pkcs7Unpad(b)
		assert.False(t, ok, name)
	}
}

// isOneOf reports whether err wraps one of targets.
func isOneOf(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
