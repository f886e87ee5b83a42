package vectors

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/wrap"
)

// Dialects of EnvelopeV2.Dialect.
const (
	DialectHuawei = "huawei"
	DialectAWS    = "aws"
)

// envelopeV2Input is one envelopes_v2.json vector before sealing: a Huawei
// AAD, or (aws) an encryption context.
type envelopeV2Input struct {
	comment string
	mk      masterKeyDef
	version uint32
	spec    curves.Spec
	aws     bool
	aad     string
	ec      map[string]string
}

func (in envelopeV2Input) context() []byte {
	if in.aws {
		return wrap.AWSContext(in.ec)
	}
	return wrap.HuaweiContext(in.aad)
}

func envelopeV2Inputs() []envelopeV2Input {
	var ins []envelopeV2Input
	for _, spec := range Specs {
		for _, mk := range []struct {
			def     masterKeyDef
			version uint32
		}{{aesMasterKey, 1}, {sm4MasterKey, 2}} {
			at := fmt.Sprintf("%s data key under %s version %d", spec, mk.def.spec, mk.version)
			ins = append(ins,
				envelopeV2Input{comment: at + ", no context", mk: mk.def, version: mk.version, spec: spec},
				envelopeV2Input{comment: at + `, Huawei AAD "tenant=42;purpose=signing"`, mk: mk.def, version: mk.version, spec: spec, aad: "tenant=42;purpose=signing"},
				envelopeV2Input{comment: at + `, AWS encryption context {"purpose":"signing","tenant":"42"}`, mk: mk.def, version: mk.version, spec: spec, aws: true,
					ec: map[string]string{"purpose": "signing", "tenant": "42"}},
			)
		}
	}
	long := strings.Repeat("k", 200)
	return append(ins,
		envelopeV2Input{
			comment: "ECC_NIST_P256 data key under AES_256 version 4294967295 (big-endian version), UTF-8 Huawei AAD",
			mk:      aesMasterKey, version: 0xffffffff, spec: curves.P256, aad: "租户=42",
		},
		envelopeV2Input{
			comment: "SM2 data key under SM4 version 2, Huawei AAD of 1023 bytes (the API's maximum)",
			mk:      sm4MasterKey, version: 2, spec: curves.SM2, aad: strings.Repeat("x", provider.MaxAADLen),
		},
		envelopeV2Input{
			comment: "ECC_NIST_P384 data key under AES_256 version 1, AWS context whose keys sort by byte (B < a < aa < b), with an empty value",
			mk:      aesMasterKey, version: 1, spec: curves.P384, aws: true, ec: map[string]string{"b": "1", "a": "", "B": "3", "aa": "4"},
		},
		envelopeV2Input{
			comment: "ECC_SECG_P256K1 data key under SM4 version 2, AWS context with a 200-byte key and a 300-byte value (two-byte lengths) and UTF-8",
			mk:      sm4MasterKey, version: 2, spec: curves.Secp256k1, aws: true, ec: map[string]string{long: strings.Repeat("v", 300), "é": "ü"},
		},
		envelopeV2Input{
			comment: "ECC_NIST_P521 data key under AES_256 version 1, empty AWS context (the same empty context as no Huawei AAD)",
			mk:      aesMasterKey, version: 1, spec: curves.P521, aws: true, ec: map[string]string{},
		},
	)
}

// genEnvelopesV2 seals each input's PKCS#8 (the spec's "sha512" key) as an
// envelope v2 with a 24-byte nonce derived from the vector id.
func genEnvelopesV2(ks *keySet) ([]EnvelopeV2, error) {
	var out []EnvelopeV2
	for _, in := range envelopeV2Inputs() {
		id := len(out) + 1
		pt := ks.get(in.spec, "sha512")
		nonce := sha256Label(fmt.Sprintf("ecdkp/conformance/envelopes_v2/nonce/%d", id))[:wrap.MasterV2NonceSize]
		mk, err := NewMasterKey(in.mk.spec, in.mk.material, in.mk.keyID, in.version)
		if err != nil {
			return nil, err
		}
		bind := in.context()
		w := wrap.MasterKeyWrapper{Key: mk, Spec: in.spec, Rand: bytes.NewReader(nonce)}
		env, err := w.Wrap(context.Background(), pt.vec.PKCS8, bind)
		if err != nil {
			return nil, fmt.Errorf("vectors: envelope v2 %d: %w", id, err)
		}
		kx, err := mk.kc.(wrap.KeyDeriver).AppendDerivedKey(nil, nonce)
		if err != nil {
			return nil, fmt.Errorf("vectors: envelope v2 %d: %w", id, err)
		}
		v := EnvelopeV2{
			ID:           id,
			Comment:      in.comment,
			Algorithm:    in.mk.spec,
			MasterKey:    in.mk.material,
			KeyID:        in.mk.keyID,
			KeyVersion:   in.version,
			Nonce:        nonce,
			KeySpec:      string(in.spec),
			Dialect:      DialectHuawei,
			AAD:          []byte(in.aad),
			Context:      bind,
			DerivedKey:   kx,
			PlaintextKey: pt.id,
			Plaintext:    pt.vec.PKCS8,
			Envelope:     env,
		}
		if in.aws {
			v.Dialect, v.EncryptionContext = DialectAWS, in.ec
		}
		out = append(out, v)
	}
	return out, nil
}

// genEnvelopeV2Negatives tampers with two ECC_NIST_P256 envelopes v2: the
// AES_256 one with a Huawei AAD and the SM4 one with an AWS context.
func genEnvelopeV2Negatives(envs []EnvelopeV2) []EnvelopeV2Negative {
	var refs []*EnvelopeV2
	for i := range envs {
		e := &envs[i]
		if e.KeySpec != string(curves.P256) || e.KeyVersion == 0xffffffff {
			continue
		}
		if e.Algorithm == aesMasterKey.spec && e.Dialect == DialectHuawei && len(e.AAD) > 0 ||
			e.Algorithm == sm4MasterKey.spec && e.Dialect == DialectAWS && len(e.EncryptionContext) > 0 {
			refs = append(refs, e)
		}
	}
	var out []EnvelopeV2Negative
	for _, ref := range refs {
		env, bind := []byte(ref.Envelope), []byte(ref.Context)
		hdr := wrap.MasterV2FixedSize + len(ref.KeySpec)
		nonce, ct := hdr, hdr+wrap.MasterV2NonceSize
		pre := ref.Algorithm + " envelope v2 " + strconv.Itoa(ref.ID) + ": "
		add := func(comment string, input, ctx []byte, spec string, material []byte, class string) {
			out = append(out, EnvelopeV2Negative{
				ID: len(out) + 1, Comment: pre + comment, Envelope: ref.ID, MasterKey: material,
				KeySpec: spec, Context: ctx, Input: input, Error: class,
			})
		}
		bad := func(comment string, input []byte, class string) { add(comment, input, bind, "", nil, class) }
		flip := func(i int, mask byte) []byte { out := clone(env); out[i] ^= mask; return out }
		set := func(i int, v ...byte) []byte { out := clone(env); copy(out[i:], v); return out }
		otherAlg := byte(4)
		if env[4] == 4 {
			otherAlg = 3
		}
		version := clone(env)
		binary.BigEndian.PutUint32(version[21:25], ref.KeyVersion+1)
		otherMaterial := sha256Label("ecdkp/conformance/master-key/other")[:len(ref.MasterKey)]
		otherDialect := append([]byte{wrap.ContextTagHuawei}, bind[1:]...)
		otherContext := append(clone(bind), '!')
		if bind[0] == wrap.ContextTagHuawei {
			otherDialect[0] = wrap.ContextTagAWS
		}

		bad("empty", []byte{}, ClassMalformedEnvelope)
		bad("magic only", env[:4], ClassMalformedEnvelope)
		bad("fixed header less one byte (no spec_len)", env[:wrap.MasterV2FixedSize-1], ClassMalformedEnvelope)
		bad("fixed header only (spec_len, no key_spec)", env[:wrap.MasterV2FixedSize], ClassMalformedEnvelope)
		bad("header only (no nonce)", env[:hdr], ClassMalformedEnvelope)
		bad("header and nonce only (no tag)", env[:ct], ClassMalformedEnvelope)
		bad("one byte shorter than header, nonce and tag", env[:ct+15], ClassMalformedEnvelope)
		bad("magic EKP3", set(3, '3'), ClassMalformedEnvelope)
		bad("magic in lower case (ekp2)", append([]byte("ekp2"), env[4:]...), ClassMalformedEnvelope)
		bad("magic EKP1 (v1 knows no algorithm 3 or 4)", set(3, '1'), ClassMalformedEnvelope)
		for _, alg := range []byte{0, 1, 2, 5, 255} {
			bad("algorithm byte "+strconv.Itoa(int(alg)), set(4, alg), ClassMalformedEnvelope)
		}
		bad("algorithm byte of the other master key algorithm", set(4, otherAlg), ClassDecrypt)
		bad("spec_len 0", set(25, 0), ClassMalformedEnvelope)
		bad("spec_len 255 (past the end)", set(25, 255), ClassMalformedEnvelope)
		bad("spec_len leaving less than nonce and tag", set(25, byte(len(env)-wrap.MasterV2FixedSize-wrap.MasterV2NonceSize-15)), ClassMalformedEnvelope)
		bad("spec_len one more (a nonce byte in the key_spec)", set(25, byte(len(ref.KeySpec)+1)), ClassMalformedEnvelope)
		bad("spec_len one less (ECC_NIST_P25)", set(25, byte(len(ref.KeySpec)-1)), ClassMalformedEnvelope)
		bad("key_spec ECC_NIST_P224 (not registered)", set(wrap.MasterV2FixedSize, []byte("ECC_NIST_P224")...), ClassMalformedEnvelope)
		bad("key_spec in lower case", set(wrap.MasterV2FixedSize, []byte(strings.ToLower(ref.KeySpec))...), ClassMalformedEnvelope)
		bad("key_spec with a space", set(wrap.MasterV2FixedSize+3, ' '), ClassMalformedEnvelope)
		bad("key_spec with byte 0x80", set(wrap.MasterV2FixedSize+3, 0x80), ClassMalformedEnvelope)
		bad("key_spec ECC_NIST_P384 (registered, not the one sealed)", set(wrap.MasterV2FixedSize, []byte(curves.P384)...), ClassDecrypt)
		bad("key_id bit flipped", flip(5, 0x01), ClassDecrypt)
		bad("key_version + 1 (a version the key does not hold)", version, ClassKeyUnavailable)
		bad("first nonce byte flipped (the derivation's half)", flip(nonce, 0x80), ClassDecrypt)
		bad("last nonce byte flipped (the GCM nonce)", flip(ct-1, 0x01), ClassDecrypt)
		bad("first ciphertext byte flipped", flip(ct, 0x01), ClassDecrypt)
		bad("last tag byte flipped", flip(len(env)-1, 0x01), ClassDecrypt)
		bad("truncated by one byte", env[:len(env)-1], ClassDecrypt)
		bad("one byte appended", append(clone(env), 0), ClassDecrypt)
		add("another context (a byte appended)", env, otherContext, "", nil, ClassDecrypt)
		add("no context", env, nil, "", nil, ClassDecrypt)
		add("the context's bytes under the other dialect's tag", env, otherDialect, "", nil, ClassDecrypt)
		add("the context without its tag", env, bind[1:], "", nil, ClassDecrypt)
		add("opened as key_spec SM2", env, bind, string(curves.SM2), nil, ClassDecrypt)
		add("other master key material under the same key_id", env, bind, "", otherMaterial, ClassDecrypt)
	}
	return out
}
