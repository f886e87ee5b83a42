package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/secret"
	"github.com/ecdkp/ecdkp/provider/keystore"
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
	if err := p.enter(); err != nil {
		p.auditCreate(ctx, req, nil, err)
		return nil, err
	}
	defer p.leave()
	var d *Decision
	secret.Do(func() { resp, d, err = p.createEcDatakeyPair(ctx, req) })
	p.auditCreate(ctx, req, d, err)
	return resp, err
}

func (p *Provider) createEcDatakeyPair(ctx context.Context, req *CreateEcDatakeyPairRequest) (_ *CreateEcDatakeyPairResponse, _ *Decision, err error) {
	curve, err := checkCreate(req)
	if err != nil {
		return nil, nil, err
	}
	holder, err := p.holderFor(req, curve.Spec())
	if err != nil {
		return nil, nil, err
	}
	ad, err := p.admit(ctx, admission{
		action: ActionCreateDataKeyPair, keyID: req.KeyID, sequence: req.Sequence,
		keySpec: req.KeySpec, aad: req.AdditionalAuthenticatedData, context: req.EncryptionContext,
		holder: holderKind(req), wrappingAlgorithm: req.WrappingAlgorithm, recipient: holder.recipient,
		dryRun: req.DryRun,
	})
	if err != nil {
		return nil, ad.decision, err
	}
	if holder.recipient != nil {
		holder.w = holder.recipient.w
	}
	defer func() {
		if err != nil {
			ad.release()
		}
	}()

	var start time.Time
	if p.observer != nil {
		start = time.Now()
	}
	key, err := curve.GenerateKey()
	if p.observer != nil {
		p.observer.KeyGenerated(curve.Spec(), time.Since(start))
	}
	if err != nil {
		return nil, ad.decision, Wrapf(FailInternal, err, "generating a %s key failed", req.KeySpec)
	}
	defer key.Destroy()

	mkw := wrap.MasterKeyWrapper{Key: ad.mk, Spec: curve.Spec()}
	need, err := scratchSize(curve, mkw, contextLen(req.AdditionalAuthenticatedData, req.EncryptionContext))
	if err != nil {
		return nil, ad.decision, Wrapf(FailInternal, err, "sizing the %s encodings failed", req.KeySpec)
	}
	s := getScratch(need)
	defer s.release()
	out, err := seal(ctx, &s, key, mkw, req.AdditionalAuthenticatedData, req.EncryptionContext)
	if err != nil {
		return nil, ad.decision, err
	}
	var second []byte
	switch {
	case holder.w != nil:
		if second, err = holder.w.Wrap(ctx, out.pkcs8, out.aad); err != nil {
			return nil, ad.decision, holderError(err)
		}
	case req.WithPlainText == nil || *req.WithPlainText:
		second = out.pkcs8
	}
	return respond(req, holder, out, second), ad.decision, nil
}

// checkCreate validates a create request's own fields and resolves its
// key spec.
func checkCreate(req *CreateEcDatakeyPairRequest) (curves.Curve, error) {
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
	if err := checkContext(req.AdditionalAuthenticatedData, req.EncryptionContext); err != nil {
		return nil, err
	}
	if err := checkSequence(req.Sequence); err != nil {
		return nil, err
	}
	if req.EncryptionContext != nil && (req.WrappingAlgorithm != "" || req.WrappingPublicKey != "") {
		return nil, Errorf(FailInvalidParameter, "a custom-key envelope binds additional_authenticated_data, not an EncryptionContext")
	}
	if req.Pin != nil || req.PinType != nil {
		return nil, Errorf(FailInvalidParameter, "pin and pin_type are not supported: private keys are returned as PKCS#8 without a PIN")
	}
	return curve, nil
}

// sealed is a new key pair in the scratch buffer: its PKCS#8 private key,
// its SPKI public key, the request's Huawei AAD (the tail of its context
// binding wrap.HuaweiContext, which the envelope binds; for a custom-key
// envelope that binds the AAD itself) and the master-key envelope v2 of
// the PKCS#8.
type sealed struct {
	pkcs8, spki, aad, envelope []byte
}

// contextLen is the length of a request's context binding.
func contextLen(aad string, ec map[string]string) int {
	if ec != nil {
		return wrap.AWSContextLen(ec)
	}
	if aad == "" {
		return 0
	}
	return 1 + len(aad)
}

// appendContext appends a request's context binding: its
// EncryptionContext's (AWS) or its AAD's (Huawei).
func appendContext(dst []byte, aad string, ec map[string]string) []byte {
	if ec != nil {
		return wrap.AppendAWSContext(dst, ec)
	}
	return wrap.AppendHuaweiContext(dst, aad)
}

// scratchSize is what seal appends to its buffer for a curve, a master key
// wrapper and a context length: the PKCS#8, the SPKI, the context, and the
// envelope of the PKCS#8 with what it builds behind it.
func scratchSize(c curves.Curve, mkw wrap.MasterKeyWrapper, ctxLen int) (int, error) {
	pkcs8, err := encoding.PKCS8Len(c)
	if err != nil {
		return 0, err
	}
	spki, err := encoding.SPKILen(c)
	if err != nil {
		return 0, err
	}
	return pkcs8 + spki + ctxLen + mkw.AppendCap(pkcs8, ctxLen), nil
}

// seal encodes key into s and seals its PKCS#8 under the master key, bound
// to the context of aad or ec. Everything it writes, the context included,
// is in s, so the call allocates nothing here but what the envelope's GCM
// does.
func seal(ctx context.Context, s *scratch, key *curves.PrivateKey, mkw wrap.MasterKeyWrapper, aad string, ec map[string]string) (sealed, error) {
	spec := key.Curve().Spec()
	buf, err := encoding.AppendPKCS8(s.buf, key)
	if err != nil {
		return sealed{}, Wrapf(FailInternal, err, "encoding the %s private key failed", spec)
	}
	s.buf = buf
	pkcs8End := len(buf)
	if buf, err = encoding.AppendSPKI(buf, key.PublicKey()); err != nil {
		return sealed{}, Wrapf(FailInternal, err, "encoding the %s public key failed", spec)
	}
	s.buf = buf
	spkiEnd := len(buf)
	buf = appendContext(buf, aad, ec)
	s.buf = buf
	ctxEnd := len(buf)
	bind := buf[spkiEnd:ctxEnd:ctxEnd]
	if buf, err = mkw.AppendWrap(ctx, buf, buf[:pkcs8End:pkcs8End], bind); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return sealed{}, Wrapf(FailCanceled, ctxErr, "request canceled while sealing under master key %s", keystore.FormatKeyID(mkw.Key.ID()))
		}
		if errors.Is(err, keystore.ErrUnavailable) {
			return sealed{}, Wrapf(FailUnavailable, err, "the key store cannot use master key %s now; retry later", keystore.FormatKeyID(mkw.Key.ID()))
		}
		return sealed{}, Wrapf(FailInternal, err, "sealing under master key %s failed", keystore.FormatKeyID(mkw.Key.ID()))
	}
	s.buf = buf
	out := sealed{pkcs8: buf[:pkcs8End:pkcs8End], spki: buf[pkcs8End:spkiEnd:spkiEnd], envelope: buf[ctxEnd:]}
	if len(bind) > 0 && ec == nil {
		out.aad = bind[1:]
	}
	return out, nil
}

// respond builds the response: one allocation holds the base64 of the
// public key, the envelope and the second holder's form of the private key
// (the plaintext PKCS#8 or its holder's envelope; nil for none).
func respond(req *CreateEcDatakeyPairRequest, h holder, out sealed, second []byte) *CreateEcDatakeyPairResponse {
	var sb strings.Builder
	enc := base64.StdEncoding
	sb.Grow(enc.EncodedLen(len(out.spki)) + enc.EncodedLen(len(out.envelope)) + enc.EncodedLen(len(second)))
	pub := appendB64(&sb, out.spki)
	env := appendB64(&sb, out.envelope)
	sec := appendB64(&sb, second)
	all := sb.String()
	resp := &CreateEcDatakeyPairResponse{
		KeyID:                req.KeyID,
		KeySpec:              req.KeySpec,
		PublicKey:            all[pub[0]:pub[1]],
		PrivateKeyCipherText: all[env[0]:env[1]],
	}
	switch {
	case second == nil:
	case h.w != nil:
		*h.field(resp) = all[sec[0]:sec[1]]
	default:
		resp.PrivateKeyPlainText = all[sec[0]:sec[1]]
	}
	return resp
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
