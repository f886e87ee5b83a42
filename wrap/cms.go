package wrap

import (
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CMS EnvelopedData (RFC 5652) in the one shape AWS KMS returns to a Nitro
// enclave as CiphertextForRecipient, and which the enclave SDKs parse:
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
	cmsOIDEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	cmsOIDData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	cmsOIDRSAESOAEP     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 7}
	cmsOIDMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	cmsOIDPSpecified    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 9}
	cmsOIDSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	cmsOIDAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// Sizes of the envelope's fixed parts.
const (
	cmsVersion     = 2 // EnvelopedData and KeyTransRecipientInfo versions with a subjectKeyIdentifier rid
	cmsMaxEnvelope = 64 << 10
)

// Context-specific tags of the envelope.
const (
	cmsTagContext0  cbasn1.Tag = 0x80 // [0] primitive: subjectKeyIdentifier, encryptedContent
	cmsTagExplicit0 cbasn1.Tag = 0xa0 // [0] constructed
	cmsTagExplicit1 cbasn1.Tag = 0xa1 // [1] constructed
	cmsTagExplicit2 cbasn1.Tag = 0xa2 // [2] constructed
)

// cmsOAEPAlgorithm is the DER keyEncryptionAlgorithm AlgorithmIdentifier:
// rsaesOaep with SHA-256, MGF1-SHA-256 and the default (empty) label, the
// hash identifiers carrying explicit NULL parameters as KMS writes them.
var cmsOAEPAlgorithm = func() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(cmsOIDRSAESOAEP)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cmsTagExplicit0, cmsAddSHA256)
			b.AddASN1(cmsTagExplicit1, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(cmsOIDMGF1)
					cmsAddSHA256(b)
				})
			})
		})
	})
	return b.BytesOrPanic() // fixed input: cannot fail
}()

func cmsAddSHA256(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(cmsOIDSHA256)
		b.AddASN1NULL()
	})
}

// cmsEnvelope is the variable content of an envelope.
type cmsEnvelope struct {
	keyID        []byte // rid subjectKeyIdentifier
	encryptedKey []byte // RSAES-OAEP ciphertext of the content-encryption key
	iv           []byte // AES-CBC IV
	content      []byte // AES-256-CBC ciphertext of the PKCS#7-padded plaintext
}

// Indefinite-length headers and the end-of-contents octets that close them.
var (
	cmsBERSequence  = []byte{0x30, 0x80}
	cmsBERExplicit0 = []byte{0xa0, 0x80}
	cmsBEREOC       = []byte{0x00, 0x00}
)

// marshal encodes the envelope in the KMS layout described above.
func (e *cmsEnvelope) marshal() ([]byte, error) {
	size := 128 + len(cmsOAEPAlgorithm) + len(e.keyID) + len(e.encryptedKey) + len(e.iv) + len(e.content)
	b := cryptobyte.NewBuilder(make([]byte, 0, size))
	b.AddBytes(cmsBERSequence) // ContentInfo
	b.AddASN1ObjectIdentifier(cmsOIDEnvelopedData)
	b.AddBytes(cmsBERExplicit0) // content [0] EXPLICIT
	b.AddBytes(cmsBERSequence)  // EnvelopedData
	b.AddASN1Int64(cmsVersion)
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // KeyTransRecipientInfo
			b.AddASN1Int64(cmsVersion)
			b.AddASN1(cmsTagContext0, func(b *cryptobyte.Builder) { b.AddBytes(e.keyID) })
			b.AddBytes(cmsOAEPAlgorithm)
			b.AddASN1OctetString(e.encryptedKey)
		})
	})
	b.AddBytes(cmsBERSequence) // EncryptedContentInfo
	b.AddASN1ObjectIdentifier(cmsOIDData)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(cmsOIDAES256CBC)
		b.AddASN1OctetString(e.iv)
	})
	b.AddBytes(cmsBERExplicit0) // encryptedContent [0] IMPLICIT OCTET STRING, constructed
	b.AddASN1OctetString(e.content)
	for range 5 { // [0] content, EncryptedContentInfo, EnvelopedData, [0], ContentInfo
		b.AddBytes(cmsBEREOC)
	}
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("wrap: encoding CMS envelope: %w", err)
	}
	return out, nil
}

// cmsMalformed builds an ErrMalformedEnvelope error about a CMS envelope.
func cmsMalformed(format string, args ...any) error {
	return fmt.Errorf("%w: CMS EnvelopedData: "+format, append([]any{ErrMalformedEnvelope}, args...)...)
}

// parseCMSEnvelope reads an envelope strictly: a ContentInfo holding an
// EnvelopedData v2 with exactly one KeyTransRecipientInfo v2 identified by a
// subjectKeyIdentifier, RSAES-OAEP-SHA-256 with MGF1-SHA-256 and an empty
// label, and AES-256-CBC content with a 16-byte IV; no originatorInfo, no
// unprotectedAttrs, no trailing bytes. Definite and indefinite lengths are both
// accepted (KMS and OpenSSL -stream write indefinite ones, OpenSSL without
// -stream definite ones); the encrypted content may be primitive or chunked.
func parseCMSEnvelope(in []byte) (*cmsEnvelope, error) {
	if len(in) > cmsMaxEnvelope {
		return nil, cmsMalformed("%d bytes, more than the %d allowed", len(in), cmsMaxEnvelope)
	}
	der, err := cmsBERToDER(in)
	if err != nil {
		return nil, err
	}
	var (
		e                          cmsEnvelope
		s                          = cryptobyte.String(der)
		contentInfo, explicit, env cryptobyte.String
		recipients, ktri, alg, eci cryptobyte.String
		contentAlg                 cryptobyte.String
		oid                        asn1.ObjectIdentifier
		version                    int64
		encryptedContent, chunk    cryptobyte.String
	)
	if !s.ReadASN1(&contentInfo, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, cmsMalformed("not a single ContentInfo SEQUENCE")
	}
	if !contentInfo.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(cmsOIDEnvelopedData) {
		return nil, cmsMalformed("content type is not id-envelopedData")
	}
	if !contentInfo.ReadASN1(&explicit, cmsTagExplicit0) || !contentInfo.Empty() ||
		!explicit.ReadASN1(&env, cbasn1.SEQUENCE) || !explicit.Empty() {
		return nil, cmsMalformed("content is not one [0] EXPLICIT EnvelopedData SEQUENCE")
	}
	if !env.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != cmsVersion {
		return nil, cmsMalformed("EnvelopedData version is not %d", cmsVersion)
	}
	if env.PeekASN1Tag(cmsTagExplicit0) {
		return nil, cmsMalformed("originatorInfo is not supported")
	}
	if !env.ReadASN1(&recipients, cbasn1.SET) || !recipients.ReadASN1(&ktri, cbasn1.SEQUENCE) {
		return nil, cmsMalformed("recipientInfos is not a SET holding a KeyTransRecipientInfo")
	}
	if !recipients.Empty() {
		return nil, cmsMalformed("more than one recipientInfo")
	}
	if !ktri.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != cmsVersion {
		return nil, cmsMalformed("KeyTransRecipientInfo version is not %d (subjectKeyIdentifier)", cmsVersion)
	}
	if !ktri.ReadASN1((*cryptobyte.String)(&e.keyID), cmsTagContext0) {
		return nil, cmsMalformed("recipient identifier is not a [0] subjectKeyIdentifier")
	}
	if !ktri.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
		return nil, cmsMalformed("keyEncryptionAlgorithm is not an AlgorithmIdentifier")
	}
	if err := cmsCheckOAEPAlgorithm(alg); err != nil {
		return nil, err
	}
	if !ktri.ReadASN1((*cryptobyte.String)(&e.encryptedKey), cbasn1.OCTET_STRING) || !ktri.Empty() {
		return nil, cmsMalformed("encryptedKey is not the last field, an OCTET STRING")
	}
	if !env.ReadASN1(&eci, cbasn1.SEQUENCE) {
		return nil, cmsMalformed("encryptedContentInfo is not a SEQUENCE")
	}
	if !env.Empty() {
		return nil, cmsMalformed("unexpected fields after encryptedContentInfo (unprotectedAttrs are not supported)")
	}
	if !eci.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(cmsOIDData) {
		return nil, cmsMalformed("encrypted content type is not id-data")
	}
	if !eci.ReadASN1(&contentAlg, cbasn1.SEQUENCE) ||
		!contentAlg.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(cmsOIDAES256CBC) {
		return nil, cmsMalformed("contentEncryptionAlgorithm is not aes256-CBC")
	}
	if !contentAlg.ReadASN1((*cryptobyte.String)(&e.iv), cbasn1.OCTET_STRING) || !contentAlg.Empty() || len(e.iv) != cmsIVSize {
		return nil, cmsMalformed("aes256-CBC parameters are not a %d-byte IV", cmsIVSize)
	}
	switch {
	case eci.PeekASN1Tag(cmsTagContext0):
		if !eci.ReadASN1((*cryptobyte.String)(&e.content), cmsTagContext0) {
			return nil, cmsMalformed("encryptedContent is malformed")
		}
	case eci.ReadASN1(&encryptedContent, cmsTagExplicit0):
		// Constructed encoding: the concatenation of OCTET STRING chunks.
		for !encryptedContent.Empty() {
			if !encryptedContent.ReadASN1(&chunk, cbasn1.OCTET_STRING) {
				return nil, cmsMalformed("encryptedContent chunk is not an OCTET STRING")
			}
			e.content = append(e.content, chunk...)
		}
	default:
		return nil, cmsMalformed("encryptedContent is absent")
	}
	if !eci.Empty() {
		return nil, cmsMalformed("unexpected fields after encryptedContent")
	}
	return &e, nil
}

// cmsCheckOAEPAlgorithm accepts rsaesOaep with SHA-256 and MGF1-SHA-256 (hash
// parameters NULL or absent) and an absent or empty pSpecified label.
func cmsCheckOAEPAlgorithm(alg cryptobyte.String) error {
	var (
		body, params, hashAlg, mgf, mgfBody, source, sourceBody cryptobyte.String
		oid                                                     asn1.ObjectIdentifier
		present                                                 bool
		label                                                   []byte
	)
	if !alg.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(cmsOIDRSAESOAEP) {
		return cmsMalformed("keyEncryptionAlgorithm is not rsaesOaep")
	}
	if !body.ReadASN1(&params, cbasn1.SEQUENCE) || !body.Empty() {
		return cmsMalformed("rsaesOaep parameters are absent (the SHA-1 default) or malformed")
	}
	if !params.ReadOptionalASN1(&hashAlg, &present, cmsTagExplicit0) || !present || !cmsIsSHA256(hashAlg) {
		return cmsMalformed("rsaesOaep hash is not SHA-256")
	}
	if !params.ReadOptionalASN1(&mgf, &present, cmsTagExplicit1) || !present ||
		!mgf.ReadASN1(&mgfBody, cbasn1.SEQUENCE) || !mgf.Empty() ||
		!mgfBody.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(cmsOIDMGF1) || !cmsIsSHA256(mgfBody) {
		return cmsMalformed("rsaesOaep mask generation is not MGF1 with SHA-256")
	}
	if !params.ReadOptionalASN1(&source, &present, cmsTagExplicit2) {
		return cmsMalformed("rsaesOaep pSourceAlgorithm is malformed")
	}
	if present && (!source.ReadASN1(&sourceBody, cbasn1.SEQUENCE) || !source.Empty() ||
		!sourceBody.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(cmsOIDPSpecified) ||
		!sourceBody.ReadASN1Bytes(&label, cbasn1.OCTET_STRING) || !sourceBody.Empty() || len(label) != 0) {
		return cmsMalformed("rsaesOaep label is not the empty pSpecified default")
	}
	if !params.Empty() {
		return cmsMalformed("unexpected fields in rsaesOaep parameters")
	}
	return nil
}

// cmsIsSHA256 reports whether s is exactly an AlgorithmIdentifier for SHA-256
// with NULL or absent parameters.
func cmsIsSHA256(s cryptobyte.String) bool {
	var body, null cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !s.Empty() || !body.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(cmsOIDSHA256) {
		return false
	}
	return body.Empty() || (body.ReadASN1(&null, cbasn1.NULL) && len(null) == 0 && body.Empty())
}
