package huawei

import (
	"mime"
	"net/http"

	"github.com/ecdkp/ecdkp/internal/jsonobj"
	"github.com/ecdkp/ecdkp/provider"
)

// Requests are read strictly (package internal/jsonobj): one JSON object,
// member names exactly as the API spells them, no member twice, no member
// the API does not define, nothing after the object; a JSON null is an
// absent member. A body that is not that is refused with FailMalformedJSON
// before any other check.

// checkContentType accepts application/json with any parameters (the SDK
// sends charset=UTF-8).
func checkContentType(r *http.Request) *provider.Error {
	var ct string
	switch cts := r.Header["Content-Type"]; len(cts) {
	case 0:
	case 1:
		ct = cts[0]
	default:
		// A singleton field sent twice: a gateway in front may have read
		// the other one.
		return provider.Errorf(provider.FailMalformedJSON, "Content-Type must be sent once")
	}
	switch ct {
	case "application/json;charset=UTF-8", "application/json": // what SDKs send
		return nil
	case "":
		return provider.Errorf(provider.FailMalformedJSON, "Content-Type is missing; send application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return provider.Errorf(provider.FailMalformedJSON, "Content-Type must be application/json")
	}
	return nil
}

// decodeCreate reads a create-ec-datakey-pair body.
func decodeCreate(body []byte) (*provider.CreateEcDatakeyPairRequest, *provider.Error) {
	o, err := jsonobj.Parse(body)
	if err != nil {
		return nil, bodyError(err)
	}
	var req provider.CreateEcDatakeyPairRequest
	d := decoder{o: o}
	req.KeyID = d.str("key_id")
	req.KeySpec = d.str("key_spec")
	req.WithPlainText = d.boolean("with_plain_text")
	req.AdditionalAuthenticatedData = d.str("additional_authenticated_data")
	req.Sequence = d.str("sequence")
	req.WrappingPublicKey = d.str("wrapping_public_key")
	req.WrappingAlgorithm = d.str("wrapping_algorithm")
	req.Pin = d.optStr("pin")
	req.PinType = d.optStr("pin_type")
	if d.err == nil {
		var ro *jsonobj.Object
		if ro, d.err = o.Object("recipient"); d.err == nil && ro != nil {
			rd := decoder{o: ro}
			req.Recipient = &provider.Recipient{
				AttestationDocument:    rd.str("attestation_document"),
				KeyEncryptionAlgorithm: rd.str("key_encryption_algorithm"),
			}
			d.err = rd.done()
		}
	}
	if err := d.done(); err != nil {
		return nil, bodyError(err)
	}
	return &req, nil
}

// decodeDecrypt reads a decrypt-datakey-pair body.
func decodeDecrypt(body []byte) (*provider.DecryptDatakeyPairRequest, *provider.Error) {
	o, err := jsonobj.Parse(body)
	if err != nil {
		return nil, bodyError(err)
	}
	var req provider.DecryptDatakeyPairRequest
	d := decoder{o: o}
	req.CipherText = d.str("cipher_text")
	req.AdditionalAuthenticatedData = d.str("additional_authenticated_data")
	req.KeySpec = d.str("key_spec")
	req.Sequence = d.str("sequence")
	if err := d.done(); err != nil {
		return nil, bodyError(err)
	}
	return &req, nil
}

// decoder takes members of one object, keeping the first error.
type decoder struct {
	o   *jsonobj.Object
	err error
}

func (d *decoder) str(name string) string {
	if d.err != nil {
		return ""
	}
	var s string
	s, d.err = d.o.String(name)
	return s
}

func (d *decoder) optStr(name string) *string {
	if d.err != nil {
		return nil
	}
	var s *string
	s, d.err = d.o.OptString(name)
	return s
}

func (d *decoder) boolean(name string) *bool {
	if d.err != nil {
		return nil
	}
	var b *bool
	b, d.err = d.o.Bool(name)
	return b
}

// done reports the first error, or a member nobody took.
func (d *decoder) done() error {
	if d.err != nil {
		return d.err
	}
	return d.o.Unknown()
}

func bodyError(err error) *provider.Error {
	return provider.Wrapf(provider.FailMalformedJSON, err, "%v", err)
}
