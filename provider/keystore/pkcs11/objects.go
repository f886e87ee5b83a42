//go:build cgo

package pkcs11

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/provider/keystore"
	p11 "github.com/miekg/pkcs11"
)

// The token layout; doc.go describes it.
const (
	application = "ecdkp"
	metaFormat  = "ecdkp-pkcs11/v1"
	labelPrefix = "ecdkp:"
	aesKeyLen   = 32
	gcmTagBits  = 128
)

// keyLabel is the CKA_LABEL of version v of a master key.
func keyLabel(keyID string, v uint32) string { return fmt.Sprintf("%s%s:v%d", labelPrefix, keyID, v) }

// orphanLabel is the CKA_LABEL an unreferenced key object labelled label
// is moved to: label, ":unreferenced:" and 8 random hex digits.
func orphanLabel(label string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return label + ":unreferenced:" + hex.EncodeToString(b[:])
}

// metaLabel is the CKA_LABEL of a master key's metadata object.
func metaLabel(keyID string) string { return labelPrefix + keyID }

// metaDoc is the CKA_VALUE of a metadata object.
type metaDoc struct {
	Format string `json:"format"`
	// Revision grows by one with every change; the highest wins.
	Revision uint64 `json:"revision"`
	// Serial orders keys by creation for ListKeys.
	Serial uint64 `json:"serial"`
	keystore.KeyMetadata
}

// secretKeyTemplate is the C_GenerateKey template of one key version.
func secretKeyTemplate(id [16]byte, label string) []*p11.Attribute {
	return []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_AES),
		p11.NewAttribute(p11.CKA_VALUE_LEN, aesKeyLen),
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
		p11.NewAttribute(p11.CKA_ENCRYPT, true),
		p11.NewAttribute(p11.CKA_DECRYPT, true),
		p11.NewAttribute(p11.CKA_WRAP, false),
		p11.NewAttribute(p11.CKA_UNWRAP, false),
		p11.NewAttribute(p11.CKA_SIGN, false),
		p11.NewAttribute(p11.CKA_VERIFY, false),
		p11.NewAttribute(p11.CKA_DERIVE, false),
		p11.NewAttribute(p11.CKA_LABEL, label),
		p11.NewAttribute(p11.CKA_ID, id[:]),
	}
}

// generateVersion makes version v of a key inside the token, first moving
// aside any key object left with that label: by an interrupted rotation,
// or by another process rotating the same key at this moment, which may
// seal under it once it commits. It is relabelled (orphanLabel), never
// destroyed: no command of the store deletes key material.
func generateVersion(ctx *p11.Ctx, sh p11.SessionHandle, id [16]byte, keyID string, v uint32) (p11.ObjectHandle, error) {
	label := keyLabel(keyID, v)
	orphans, err := findObjects(ctx, sh, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
		p11.NewAttribute(p11.CKA_LABEL, label),
	})
	if err != nil {
		return 0, err
	}
	for _, o := range orphans {
		if err := ctx.SetAttributeValue(sh, o, []*p11.Attribute{p11.NewAttribute(p11.CKA_LABEL, orphanLabel(label))}); err != nil {
			return 0, rvError("C_SetAttributeValue (CKA_LABEL) of unreferenced key "+label, err)
		}
	}
	h, err := ctx.GenerateKey(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_KEY_GEN, nil)}, secretKeyTemplate(id, label))
	if err != nil {
		return 0, rvError("C_GenerateKey (CKM_AES_KEY_GEN) of "+label, err)
	}
	return h, nil
}

// createMeta writes a metadata object.
func createMeta(ctx *p11.Ctx, sh p11.SessionHandle, doc metaDoc) (p11.ObjectHandle, error) {
	doc.Format = metaFormat
	value, err := json.Marshal(doc)
	if err != nil {
		return 0, fmt.Errorf("pkcs11: encoding metadata of %s: %w", doc.KeyID, err)
	}
	h, err := ctx.CreateObject(sh, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_DATA),
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_APPLICATION, application),
		p11.NewAttribute(p11.CKA_LABEL, metaLabel(doc.KeyID)),
		p11.NewAttribute(p11.CKA_VALUE, value),
	})
	if err != nil {
		return 0, rvError("C_CreateObject of metadata "+metaLabel(doc.KeyID), err)
	}
	return h, nil
}

// metaTemplate finds the metadata objects of one key.
func metaTemplate(keyID string) []*p11.Attribute {
	return []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_DATA),
		p11.NewAttribute(p11.CKA_APPLICATION, application),
		p11.NewAttribute(p11.CKA_LABEL, metaLabel(keyID)),
	}
}

// findObjects returns every object matching template.
func findObjects(ctx *p11.Ctx, sh p11.SessionHandle, template []*p11.Attribute) ([]p11.ObjectHandle, error) {
	if err := ctx.FindObjectsInit(sh, template); err != nil {
		return nil, rvError("C_FindObjectsInit", err)
	}
	var out []p11.ObjectHandle
	for {
		hs, _, err := ctx.FindObjects(sh, 64)
		if err != nil {
			_ = ctx.FindObjectsFinal(sh)
			return nil, rvError("C_FindObjects", err)
		}
		if len(hs) == 0 {
			break
		}
		out = append(out, hs...)
	}
	if err := ctx.FindObjectsFinal(sh); err != nil {
		return nil, rvError("C_FindObjectsFinal", err)
	}
	return out, nil
}

// loadedMeta is a metadata object read from the token.
type loadedMeta struct {
	doc metaDoc
	id  [16]byte
	h   p11.ObjectHandle
}

// readMeta reads and checks every metadata object of the application.
func readMeta(ctx *p11.Ctx, sh p11.SessionHandle) ([]loadedMeta, error) {
	return readMetaOf(ctx, sh, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_DATA),
		p11.NewAttribute(p11.CKA_APPLICATION, application),
	})
}

// readMetaOf reads and checks the metadata objects matching template.
func readMetaOf(ctx *p11.Ctx, sh p11.SessionHandle, template []*p11.Attribute) ([]loadedMeta, error) {
	hs, err := findObjects(ctx, sh, template)
	if err != nil {
		return nil, err
	}
	out := make([]loadedMeta, 0, len(hs))
	for _, h := range hs {
		attrs, err := ctx.GetAttributeValue(sh, h, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_LABEL, nil),
			p11.NewAttribute(p11.CKA_VALUE, nil),
		})
		if err != nil {
			return nil, rvError("C_GetAttributeValue of a metadata object", err)
		}
		m, err := parseMeta(string(attrs[0].Value), attrs[1].Value)
		if err != nil {
			return nil, err
		}
		m.h = h
		out = append(out, m)
	}
	return out, nil
}

// parseMeta checks one metadata object strictly.
func parseMeta(label string, value []byte) (loadedMeta, error) {
	var m loadedMeta
	keyID, ok := strings.CutPrefix(label, labelPrefix)
	if !ok {
		return m, fmt.Errorf("%w: metadata object of application %q has label %q, want %q followed by a key id", ErrCorruptObject, application, label, labelPrefix)
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m.doc); err != nil {
		return m, fmt.Errorf("%w: metadata object %q is not valid JSON metadata: %v", ErrCorruptObject, label, err)
	}
	if dec.More() {
		return m, fmt.Errorf("%w: metadata object %q has data after its JSON value", ErrCorruptObject, label)
	}
	d := &m.doc
	if d.Project == "" { // written before keys had projects
		d.Project = keystore.DefaultProject
	}
	id, err := keystore.ParseKeyID(d.KeyID)
	switch {
	case d.Format != metaFormat:
		return m, fmt.Errorf("%w: metadata object %q has format %q, want %q", ErrCorruptObject, label, d.Format, metaFormat)
	case err != nil || d.KeyID != keyID:
		return m, fmt.Errorf("%w: metadata object %q names key id %q", ErrCorruptObject, label, d.KeyID)
	case !keystore.ValidProject(d.Project):
		return m, fmt.Errorf("%w: metadata object %q has project %q", ErrCorruptObject, label, d.Project)
	case d.KeySpec != keystore.AES256:
		return m, fmt.Errorf("%w: metadata object %q has key spec %q; this store holds %s keys only", ErrCorruptObject, label, d.KeySpec, keystore.AES256)
	case d.KeyUsage != keystore.UsageEncryptDecrypt:
		return m, fmt.Errorf("%w: metadata object %q has key usage %q", ErrCorruptObject, label, d.KeyUsage)
	case !d.KeyState.Valid():
		return m, fmt.Errorf("%w: metadata object %q has unknown key state %q", ErrCorruptObject, label, d.KeyState)
	case d.CurrentVersion == 0:
		return m, fmt.Errorf("%w: metadata object %q has current version 0", ErrCorruptObject, label)
	case d.Revision == 0:
		return m, fmt.Errorf("%w: metadata object %q has revision 0", ErrCorruptObject, label)
	}
	m.id = id
	return m, nil
}

// findVersion finds version v of a key and checks it is a sensitive,
// non-extractable AES-256 key of that id that may encrypt and decrypt.
func findVersion(ctx *p11.Ctx, sh p11.SessionHandle, id [16]byte, keyID string, v uint32) (p11.ObjectHandle, error) {
	label := keyLabel(keyID, v)
	hs, err := findObjects(ctx, sh, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
		p11.NewAttribute(p11.CKA_LABEL, label),
	})
	if err != nil {
		return 0, err
	}
	switch len(hs) {
	case 0:
		return 0, fmt.Errorf("%w: no secret key object labelled %q on the token", ErrCorruptObject, label)
	case 1:
	default:
		return 0, fmt.Errorf("%w: %d secret key objects are labelled %q", ErrCorruptObject, len(hs), label)
	}
	attrs, err := ctx.GetAttributeValue(sh, hs[0], []*p11.Attribute{
		p11.NewAttribute(p11.CKA_KEY_TYPE, nil),
		p11.NewAttribute(p11.CKA_VALUE_LEN, nil),
		p11.NewAttribute(p11.CKA_SENSITIVE, nil),
		p11.NewAttribute(p11.CKA_EXTRACTABLE, nil),
		p11.NewAttribute(p11.CKA_ENCRYPT, nil),
		p11.NewAttribute(p11.CKA_DECRYPT, nil),
		p11.NewAttribute(p11.CKA_ID, nil),
	})
	if err != nil {
		return 0, rvError("C_GetAttributeValue of "+label, err)
	}
	keyType, okT := attrULong(attrs[0].Value)
	valueLen, okL := attrULong(attrs[1].Value)
	switch {
	case !okT || keyType != p11.CKK_AES || !okL || valueLen != aesKeyLen:
		return 0, fmt.Errorf("%w: %q is not an AES-256 key", ErrCorruptObject, label)
	case !attrBool(attrs[2].Value) || attrBool(attrs[3].Value):
		return 0, fmt.Errorf("%w: %q is extractable or not sensitive; the store only uses keys that cannot leave the token", ErrCorruptObject, label)
	case !attrBool(attrs[4].Value) || !attrBool(attrs[5].Value):
		return 0, fmt.Errorf("%w: %q may not encrypt and decrypt", ErrCorruptObject, label)
	case !bytes.Equal(attrs[6].Value, id[:]):
		return 0, fmt.Errorf("%w: %q has a CKA_ID that is not its key id", ErrCorruptObject, label)
	}
	return hs[0], nil
}

// attrULong decodes a CK_ULONG attribute (native byte order).
func attrULong(b []byte) (uint, bool) {
	switch len(b) {
	case 8:
		return uint(binary.NativeEndian.Uint64(b)), true
	case 4:
		return uint(binary.NativeEndian.Uint32(b)), true
	}
	return 0, false
}

// attrBool decodes a CK_BBOOL attribute.
func attrBool(b []byte) bool { return len(b) == 1 && b[0] != 0 }
