package provider

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/secret"
	"github.com/ecdkp/ecdkp/wrap"
)

// CreateEcDatakeyPair generates a key pair of req.KeySpec and returns its
// public key, its private key sealed under the master key req.KeyID, and, at
// most one of: the plaintext private key (the default), the private key
// wrapped under the caller's key, or encrypted for an attested enclave.
// Every rejection is an *Error.
//
// Built with GOEXPERIMENT=runtimesecret, the call runs inside
// runtime/secret.Do, so what it allocates (the response's strings among
// them) is erased once unreachable; see curves.RuntimeSecret.
func (p *Provider) CreateEcDatakeyPair(ctx context.Context, req *CreateEcDatakeyPairRequest) (resp *CreateEcDatakeyPairResponse, err error) {
	secret.Do(func() { resp, err = p.createEcDatakeyPair(ctx, req) })
	return resp, err
}

func (p *Provider) createEcDatakeyPair(ctx context.Context, req *CreateEcDatakeyPairRequest) (*CreateEcDatakeyPairResponse, error) {
	if req == nil {
		return nil, Errorf(FailMissingParameter, "request body is required")
	}
	if err := checkKeyID(req.KeyID); err != nil {
		return nil, err
	}
	curve, err := lookupSpec(req.KeySpec)
	if err != nil {
		return nil, err
	}
	if err := checkAAD(req.AdditionalAuthenticatedData); err != nil {
		return nil, err
	}
	if err := checkSequence(req.Sequence); err != nil {
		return nil, err
	}
	if req.Pin != nil || req.PinType != nil {
		return nil, Errorf(FailInvalidParameter, "pin and pin_type are not supported: private keys are returned as PKCS#8 without a PIN")
	}
	holder, err := p.holderFor(ctx, req, curve.Spec())
	if err != nil {
		return nil, err
	}
	withPlain := req.WithPlainText == nil || *req.WithPlainText
	if holder.w != nil {
		withPlain = false
	}

	mk, md, err := p.resolveKey(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	if p.authz != nil {
		conds := map[string]string{CondKeySpec: req.KeySpec}
		aadConds(conds, req.AdditionalAuthenticatedData)
		for k, v := range holder.conds {
			conds[k] = v
		}
		if err := p.authorize(ctx, ActionCreateDataKeyPair, md, conds); err != nil {
			return nil, err
		}
	}
	if err := canceled(ctx); err != nil {
		return nil, err
	}
	if err := p.checkReplay(CallerFrom(ctx), ActionCreateDataKeyPair, req.Sequence); err != nil {
		return nil, err
	}

	key, err := curve.GenerateKey()
	if err != nil {
		return nil, Wrapf(FailInternal, err, "generating a %s key failed", req.KeySpec)
	}
	defer key.Destroy()

	// The PKCS#8, the SPKI and the master-key envelope share one pooled
	// scratch buffer, sized up front so appends do not move it; every array
	// it has been in is wiped before the call returns.
	aad := []byte(req.AdditionalAuthenticatedData)
	scratch := scratchPool.Get().(*[]byte)
	if need := scratchSize(curve, len(aad)); cap(*scratch) < need {
		*scratch = make([]byte, 0, need)
	}
	buf := (*scratch)[:0]
	defer func() {
		clear((*scratch)[:cap(*scratch)])
		if cap(buf) > cap(*scratch) { // an append outgrew scratchSize
			clear(buf[:cap(buf)])
			*scratch = buf[:0]
		}
		if cap(*scratch) <= maxPooledScratch {
			scratchPool.Put(scratch)
		}
	}()
	out, err := encoding.AppendPKCS8(buf, key)
	if err != nil {
		return nil, Wrapf(FailInternal, err, "encoding the %s private key failed", req.KeySpec)
	}
	buf = out
	pkcs8End := len(buf)
	if out, err = encoding.AppendSPKI(buf, key.PublicKey()); err != nil {
		return nil, Wrapf(FailInternal, err, "encoding the %s public key failed", req.KeySpec)
	}
	buf = out
	spkiEnd := len(buf)
	mkw := wrap.MasterKeyWrapper{Key: mk, Spec: curve.Spec()}
	if out, err = mkw.AppendWrap(ctx, buf, buf[:pkcs8End:pkcs8End], aad); err != nil {
		return nil, Wrapf(FailInternal, err, "sealing under master key %s failed", req.KeyID)
	}
	buf = out
	pkcs8, spki, sealed := buf[:pkcs8End:pkcs8End], buf[pkcs8End:spkiEnd:spkiEnd], buf[spkiEnd:]
	var second []byte
	switch {
	case holder.w != nil:
		if second, err = holder.w.Wrap(ctx, pkcs8, aad); err != nil {
			return nil, holderError(err)
		}
	case withPlain:
		second = pkcs8
	}
	// One allocation holds the base64 of all three outputs.
	var sb strings.Builder
	enc := base64.StdEncoding
	sb.Grow(enc.EncodedLen(len(spki)) + enc.EncodedLen(len(sealed)) + enc.EncodedLen(len(second)))
	pubKey := appendB64(&sb, spki)
	cipherText := appendB64(&sb, sealed)
	secondText := appendB64(&sb, second)
	all := sb.String()
	resp := &CreateEcDatakeyPairResponse{
		KeyID:                req.KeyID,
		KeySpec:              req.KeySpec,
		PublicKey:            all[pubKey[0]:pubKey[1]],
		PrivateKeyCipherText: all[cipherText[0]:cipherText[1]],
	}
	if second != nil {
		if holder.w != nil {
			*holder.field(resp) = all[secondText[0]:secondText[1]]
		} else {
			resp.PrivateKeyPlainText = all[secondText[0]:secondText[1]]
		}
	}
	return resp, nil
}

// scratchPool holds the buffers of CreateEcDatakeyPair: big enough for a
// P-521 PKCS#8, SPKI and envelope with a short AAD.
var scratchPool = &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxPooledScratch bounds the buffers that go back to the pool: the
// largest built-in curve with the largest AAD fits.
const maxPooledScratch = 4096

// scratchSize bounds what CreateEcDatakeyPair appends to its scratch
// buffer for a curve and an AAD length: the PKCS#8 and the SPKI (each at
// most the scalar, the point and 96 bytes of ASN.1 framing and OIDs), the
// envelope of the PKCS#8, and the GCM additional data behind it.
func scratchSize(c curves.Curve, aadLen int) int {
	s := c.ScalarSize()
	pkcs8 := 96 + s + 1 + 2*s
	spki := 96 + 1 + 2*s
	ad := wrap.MasterHeaderSize + len(c.Spec()) + 1 + aadLen
	return pkcs8 + spki + wrap.MasterOverhead + pkcs8 + ad
}

// appendB64 writes the base64 of src to sb in chunks (no heap copy) and
// returns the [start, end) of what it wrote.
func appendB64(sb *strings.Builder, src []byte) [2]int {
	start := sb.Len()
	var chunk [384]byte // 288 input bytes per chunk
	for len(src) > 0 {
		n := min(len(src), 288)
		base64.StdEncoding.Encode(chunk[:], src[:n])
		sb.Write(chunk[:base64.StdEncoding.EncodedLen(n)])
		src = src[n:]
	}
	return [2]int{start, sb.Len()}
}

// aadConds fills the AAD condition keys.
func aadConds(conds map[string]string, aad string) {
	if aad == "" {
		conds[CondEncryptionContextPresent] = "false"
		return
	}
	conds[CondEncryptionContextPresent] = "true"
	conds[CondEncryptionContext] = aad
}

// specOf returns a curve's spec as the response string.
func specOf(c curves.Curve) string { return string(c.Spec()) }
