package vectors

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// masterKeyDef is a fixed master key of the envelope vectors.
type masterKeyDef struct {
	spec     string
	material []byte
	keyID    string
}

// fixedMasterKey derives a master key's material and id from labels.
func fixedMasterKey(spec string, size int) masterKeyDef {
	var id [16]byte
	copy(id[:], sha256Label("ecdkp/conformance/key-id/"+spec))
	id[6] = id[6]&0x0f | 0x40 // UUID version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return masterKeyDef{
		spec:     spec,
		material: sha256Label("ecdkp/conformance/master-key/" + spec)[:size],
		keyID:    keystore.FormatKeyID(id),
	}
}

var (
	aesMasterKey = fixedMasterKey(string(keystore.AES256), 32)
	sm4MasterKey = fixedMasterKey(string(keystore.SM4), 16)
)

// envelopeInput is one envelope vector before sealing.
type envelopeInput struct {
	comment string
	mk      masterKeyDef
	version uint32
	spec    curves.Spec
	aad     []byte
}

func envelopeInputs() []envelopeInput {
	var ins []envelopeInput
	for _, spec := range Specs {
		for _, mk := range []struct {
			def     masterKeyDef
			version uint32
		}{{aesMasterKey, 1}, {sm4MasterKey, 2}} {
			for _, aad := range []string{"", "tenant=42;purpose=signing"} {
				ins = append(ins, envelopeInput{
					comment: fmt.Sprintf("%s data key under %s version %d, AAD %s", spec, mk.def.spec, mk.version, describeAAD(aad)),
					mk:      mk.def, version: mk.version, spec: spec, aad: []byte(aad),
				})
			}
		}
	}
	return append(ins,
		envelopeInput{
			comment: "ECC_NIST_P256 data key under AES_256 version 4294967295 (big-endian version), UTF-8 AAD",
			mk:      aesMasterKey, version: 0xffffffff, spec: curves.P256, aad: []byte("租户=42"),
		},
		envelopeInput{
			comment: "SM2 data key under SM4 version 2, AAD of 1023 bytes (the API's maximum)",
			mk:      sm4MasterKey, version: 2, spec: curves.SM2, aad: []byte(strings.Repeat("x", provider.MaxAADLen)),
		},
	)
}

func describeAAD(aad string) string {
	if aad == "" {
		return "empty"
	}
	return fmt.Sprintf("%q", aad)
}

// genEnvelopes seals each input's PKCS#8 (the spec's "sha256" key) as an
// envelope v1 with a nonce derived from the vector id.
func genEnvelopes(ks *keySet) ([]Envelope, error) {
	var out []Envelope
	for _, in := range envelopeInputs() {
		id := len(out) + 1
		pt := ks.get(in.spec, "sha256")
		nonce := sha256Label(fmt.Sprintf("ecdkp/conformance/envelopes/nonce/%d", id))[:wrap.MasterNonceSize]
		mk, err := NewMasterKey(in.mk.spec, in.mk.material, in.mk.keyID, in.version)
		if err != nil {
			return nil, err
		}
		w := wrap.MasterKeyWrapper{Key: mk, Spec: in.spec, Rand: bytes.NewReader(nonce), V1: true}
		env, err := w.Wrap(context.Background(), pt.vec.PKCS8, wrap.HuaweiContext(string(in.aad)))
		if err != nil {
			return nil, fmt.Errorf("vectors: envelope %d: %w", id, err)
		}
		out = append(out, Envelope{
			ID:           id,
			Comment:      in.comment,
			Algorithm:    in.mk.spec,
			MasterKey:    in.mk.material,
			KeyID:        in.mk.keyID,
			KeyVersion:   in.version,
			Nonce:        nonce,
			KeySpec:      string(in.spec),
			AAD:          in.aad,
			PlaintextKey: pt.id,
			Plaintext:    pt.vec.PKCS8,
			Envelope:     env,
		})
	}
	return out, nil
}
