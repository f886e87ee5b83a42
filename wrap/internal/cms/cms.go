// Package cms encodes and strictly parses the CMS EnvelopedData (RFC 5652)
// of wrap's attestation recipient, in the one shape AWS KMS returns to a
// Nitro enclave as CiphertextForRecipient and which the enclave SDKs parse,
// and holds its AES-CBC content cipher. The RSA-OAEP key transport around
// it is wrap's. Its errors wrap wrap's classes (wrap/internal/errs).
package cms

import (
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ecdkp/ecdkp/wrap/internal/errs"
)

// The envelope:
//
//	ContentInfo ::= SEQUENCE (indefinite length) {
//	  contentType id-envelopedData,
//	  content [0] EXPLICIT (indefinite) EnvelopedData ::= SEQUENCE (indefinite) {
//	    version 2,
//	    recipientInfos SET { KeyTransRecipientInfo ::= SEQUENCE {
//	      version 2,
//	      rid [0] IMPLICIT SubjectKeyIdentifier (20 bytes; KMS writes 32),
//	      keyEncryptionAlgorithm { rsaesOaep, RSAES-OAEP-params {
//	        [0] sha256 (NULL parameters), [1] mgf1 { sha256 (NULL parameters) } } },
//	      encryptedKey OCTET STRING } },
//	    encryptedContentInfo SEQUENCE (indefinite) {
//	      contentType id-data,
//	      contentEncryptionAlgorithm { aes256-CBC, iv OCTET STRING (16) },
//	      encryptedContent [0] IMPLICIT OCTET STRING, constructed, indefinite,
//	        holding one primitive OCTET STRING } } }
//
// The four outer constructed elements use BER indefinite lengths (0x80 and an
// end-of-contents 00 00), everything inside the recipientInfos SET and the
// algorithm identifiers is DER. That is byte for byte the layout of the KMS
// response in tests/cms_test.c of aws-nitro-enclaves-sdk-c, and it is not a
// cosmetic choice: that SDK's parser (source/cms.c) reads the ContentInfo,
// [0], EnvelopedData and EncryptedContentInfo headers with
// CBS_get_any_ber_asn1_element(..., NULL, ...), which consumes a whole
// definite-length element but only the header of an indefinite one, so a DER
// (definite-length) envelope fails there. OpenSSL and other general CMS
// parsers read both.

// Object identifiers of the envelope.
var (
	oidEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidRSAESOAEP     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 7}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidPSpecified    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 9}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// Sizes of the envelope's fixed parts.
const (
	syntaxVersion = 2 // EnvelopedData and KeyTransRecipientInfo versions with a subjectKeyIdentifier rid
	maxEnvelope   = 64 << 10
)

// Context-specific tags of the envelope.
const (
	tagContext0  cbasn1.Tag = 0x80 // [0] primitive: subjectKeyIdentifier, encryptedContent
	tagExplicit0 cbasn1.Tag = 0xa0 // [0] constructed
	tagExplicit1 cbasn1.Tag = 0xa1 // [1] constructed
	tagExplicit2 cbasn1.Tag = 0xa2 // [2] constructed
)

// oaepAlgorithm is the DER keyEncryptionAlgorithm AlgorithmIdentifier:
// rsaesOaep with SHA-256, MGF1-SHA-256 and the default (empty) label, the
// hash identifiers carrying explicit NULL parameters as KMS writes them.
var oaepAlgorithm = func() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidRSAESOAEP)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(tagExplicit0, addSHA256)
			b.AddASN1(tagExplicit1, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidMGF1)
					addSHA256(b)
				})
			})
		})
	})
	return b.BytesOrPanic() // fixed input: cannot fail
}()

func addSHA256(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSHA256)
		b.AddASN1NULL()
	})
}

// Envelope is the variable content of an envelope.
type Envelope struct {
	KeyID        []byte // rid subjectKeyIdentifier
	EncryptedKey []byte // RSAES-OAEP ciphertext of the content-encryption key
	IV           []byte // AES-CBC IV
	Content      []byte // AES-256-CBC ciphertext of the PKCS#7-padded plaintext
}

// Indefinite-length headers and the end-of-contents octets that close them.
var (
	berSequence  = []byte{0x30, 0x80}
	berExplicit0 = []byte{0xa0, 0x80}
	berEOC       = []byte{0x00, 0x00}
)

// Marshal encodes the envelope in the KMS layout described above.
func (e *Envelope) Marshal() ([]byte, error) {
	size := 128 + len(oaepAlgorithm) + len(e.KeyID) + len(e.EncryptedKey) + len(e.IV) + len(e.Content)
	b := cryptobyte.NewBuilder(make([]byte, 0, size))
	b.AddBytes(berSequence) // ContentInfo
	b.AddASN1ObjectIdentifier(oidEnvelopedData)
	b.AddBytes(berExplicit0) // content [0] EXPLICIT
	b.AddBytes(berSequence)  // EnvelopedData
	b.AddASN1Int64(syntaxVersion)
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // KeyTransRecipientInfo
			b.AddASN1Int64(syntaxVersion)
			b.AddASN1(tagContext0, func(b *cryptobyte.Builder) { b.AddBytes(e.KeyID) })
			b.AddBytes(oaepAlgorithm)
			b.AddASN1OctetString(e.EncryptedKey)
		})
	})
	b.AddBytes(berSequence) // EncryptedContentInfo
	b.AddASN1ObjectIdentifier(oidData)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidAES256CBC)
		b.AddASN1OctetString(e.IV)
	})
	b.AddBytes(berExplicit0) // encryptedContent [0] IMPLICIT OCTET STRING, constructed
	b.AddASN1OctetString(e.Content)
	for range 5 { // [0] content, EncryptedContentInfo, EnvelopedData, [0], ContentInfo
		b.AddBytes(berEOC)
	}
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("wrap: encoding CMS envelope: %w", err)
	}
	return out, nil
}

// Malformed builds an error of class wrap.ErrMalformedEnvelope about a CMS
// envelope, for this package and for checks its caller makes on a parsed
// Envelope.
func Malformed(format string, args ...any) error {
	return fmt.Errorf("%w: CMS EnvelopedData: "+format, append([]any{errs.MalformedEnvelope}, args...)...)
}

// Parse reads an envelope strictly: a ContentInfo holding an
// EnvelopedData v2 with exactly one KeyTransRecipientInfo v2 identified by a
// subjectKeyIdentifier, RSAES-OAEP-SHA-256 with MGF1-SHA-256 and an empty
// label, and AES-256-CBC content with a 16-byte IV; no originatorInfo, no
// unprotectedAttrs, no trailing bytes. Definite and indefinite lengths are both
// accepted (KMS and OpenSSL -stream write indefinite ones, OpenSSL without
// -stream definite ones); the encrypted content may be primitive or chunked.
func Parse(in []byte) (*Envelope, error) {
	if len(in) > maxEnvelope {
		return nil, Malformed("%d bytes, more than the %d allowed", len(in), maxEnvelope)
	}
	der, err := BERToDER(in)
	if err != nil {
		return nil, err
	}
	var (
		e                          Envelope
		s                          = cryptobyte.String(der)
		contentInfo, explicit, env cryptobyte.String
		recipients, ktri, alg, eci cryptobyte.String
		contentAlg                 cryptobyte.String
		oid                        asn1.ObjectIdentifier
		version                    int64
		encryptedContent, chunk    cryptobyte.String
	)
	if !s.ReadASN1(&contentInfo, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, Malformed("not a single ContentInfo SEQUENCE")
	}
	if !contentInfo.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidEnvelopedData) {
		return nil, Malformed("content type is not id-envelopedData")
	}
	if !contentInfo.ReadASN1(&explicit, tagExplicit0) || !contentInfo.Empty() ||
		!explicit.ReadASN1(&env, cbasn1.SEQUENCE) || !explicit.Empty() {
		return nil, Malformed("content is not one [0] EXPLICIT EnvelopedData SEQUENCE")
	}
	if !env.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != syntaxVersion {
		return nil, Malformed("EnvelopedData version is not %d", syntaxVersion)
	}
	if env.PeekASN1Tag(tagExplicit0) {
		return nil, Malformed("originatorInfo is not supported")
	}
	if !env.ReadASN1(&recipients, cbasn1.SET) || !recipients.ReadASN1(&ktri, cbasn1.SEQUENCE) {
		return nil, Malformed("recipientInfos is not a SET holding a KeyTransRecipientInfo")
	}
	if !recipients.Empty() {
		return nil, Malformed("more than one recipientInfo")
	}
	if !ktri.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != syntaxVersion {
		return nil, Malformed("KeyTransRecipientInfo version is not %d (subjectKeyIdentifier)", syntaxVersion)
	}
	if !ktri.ReadASN1((*cryptobyte.String)(&e.KeyID), tagContext0) {
		return nil, Malformed("recipient identifier is not a [0] subjectKeyIdentifier")
	}
	if !ktri.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
		return nil, Malformed("keyEncryptionAlgorithm is not an AlgorithmIdentifier")
	}
	if err := checkOAEPAlgorithm(alg); err != nil {
		return nil, err
	}
	if !ktri.ReadASN1((*cryptobyte.String)(&e.EncryptedKey), cbasn1.OCTET_STRING) || !ktri.Empty() {
		return nil, Malformed("encryptedKey is not the last field, an OCTET STRING")
	}
	if !env.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, Malformed("encryptedContentInfo is not a SEQUENCE")
	}
	if !env.Empty() {
		return nil, Malformed("unexpected fields after encryptedContentInfo (unprotectedAttrs are not supported)")
	}
	if !eci.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidData) {
		return nil, Malformed("encrypted content type is not id-data")
	}
	if !eci.ReadASN1(&contentAlg, cbasn1.SEQUENCE) ||
		!contentAlg.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidAES256CBC) {
		return nil, Malformed("contentEncryptionAlgorithm is not aes256-CBC")
	}
	if !contentAlg.ReadASN1((*cryptobyte.String)(&e.IV), cbasn1.OCTET_STRING) || !contentAlg.Empty() || len(e.IV) != IVSize {
		return nil, Malformed("aes256-CBC parameters are not a %d-byte IV", IVSize)
	}
	switch {
	case eci.PeekASN1Tag(tagContext0):
		if !eci.ReadASN1((*cryptobyte.String)(&e.Content), tagContext0) {
			return nil, Malformed("encryptedContent is malformed")
		}
	case eci.ReadASN1(&encryptedContent, tagExplicit0):
		// Constructed encoding: the concatenation of OCTET STRING chunks.
		for !encryptedContent.Empty() {
			if !encryptedContent.ReadASN1(&chunk, cbasn1.OCTET_STRING) {
				return nil, Malformed("encryptedContent chunk is not an OCTET STRING")
			}
			e.Content = append(e.Content, chunk...)
		}
	default:
		return nil, Malformed("encryptedContent is absent")
	}
	if !eci.Empty() {
		return nil, Malformed("unexpected fields after encryptedContent")
	}
	return &e, nil
}

// checkOAEPAlgorithm accepts rsaesOaep with SHA-256 and MGF1-SHA-256 (hash
// parameters NULL or absent) and an absent or empty pSpecified label.
func checkOAEPAlgorithm(alg cryptobyte.String) error {
	var (
		body, params, hashAlg, mgf, mgfBody, source, sourceBody cryptobyte.String
		oid                                                     asn1.ObjectIdentifier
		present                                                 bool
		label                                                   []byte
	)
	if !alg.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidRSAESOAEP) {
		return Malformed("keyEncryptionAlgorithm is not rsaesOaep")
	}
	if !body.ReadASN1(&params, cbasn1.SEQUENCE) || !body.Empty() {
		return Malformed("rsaesOaep parameters are absent (the SHA-1 default) or malformed")
	}
	if !params.ReadOptionalASN1(&hashAlg, &present, tagExplicit0) || !present || !isSHA256(hashAlg) {
		return Malformed("rsaesOaep hash is not SHA-256")
	}
	if !params.ReadOptionalASN1(&mgf, &present, tagExplicit1) || !present ||
		!mgf.ReadASN1(&mgfBody, cbasn1.SEQUENCE) || !mgf.Empty() ||
		!mgfBody.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidMGF1) || !isSHA256(mgfBody) {
		return Malformed("rsaesOaep mask generation is not MGF1 with SHA-256")
	}
	if !params.ReadOptionalASN1(&source, &present, tagExplicit2) {
		return Malformed("rsaesOaep pSourceAlgorithm is malformed")
	}
	if present && (!source.ReadASN1(&sourceBody, cbasn1.SEQUENCE) || !source.Empty() ||
		!sourceBody.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidPSpecified) ||
		!sourceBody.ReadASN1Bytes(&label, cbasn1.OCTET_STRING) || !sourceBody.Empty() || len(label) != 0) {
		return Malformed("rsaesOaep label is not the empty pSpecified default")
	}
	if !params.Empty() {
		return Malformed("unexpected fields in rsaesOaep parameters")
	}
	return nil
}

// isSHA256 reports whether s is exactly an AlgorithmIdentifier for SHA-256
// with NULL or absent parameters.
func isSHA256(s cryptobyte.String) bool {
	var body, null cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !s.Empty() || !body.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidSHA256) {
		return false
	}
	return body.Empty() || (body.ReadASN1(&null, cbasn1.NULL) && len(null) == 0 && body.Empty())
}
