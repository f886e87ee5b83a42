package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"

	"github.com/ecdkp/ecdkp/encoding"
)

// printJSON writes v indented to w.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printKeys writes a create or decrypt response; with pemOut it adds
// public_key_pem and (when there is a plaintext) private_key_pem, the keys
// as package encoding writes them in PEM, to the same JSON object.
func printKeys(w io.Writer, resp any, pemOut bool, pubB64, privB64 string) error {
	if !pemOut {
		return printJSON(w, resp)
	}
	extra := map[string]string{}
	pub, err := decodeKey(pubB64, func(der []byte) ([]byte, error) {
		k, err := encoding.ParseSPKI(der)
		if err != nil {
			return nil, err
		}
		return encoding.MarshalSPKIPEM(k)
	})
	if err != nil {
		return err
	}
	extra["public_key_pem"] = string(pub)
	if privB64 != "" {
		priv, err := decodeKey(privB64, func(der []byte) ([]byte, error) {
			k, err := encoding.ParsePKCS8(der)
			if err != nil {
				return nil, err
			}
			defer k.Destroy()
			return encoding.MarshalPKCS8PEM(k)
		})
		if err != nil {
			return err
		}
		defer clear(priv)
		extra["private_key_pem"] = string(priv)
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	more, err := json.Marshal(extra)
	if err != nil {
		return err
	}
	// Both are JSON objects: splice the second's members into the first.
	merged := append(append(body[:len(body)-1:len(body)-1], ','), more[1:]...)
	var out bytes.Buffer
	if err := json.Indent(&out, merged, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

// decodeKey decodes a base64 DER key and re-encodes it with toPEM; the DER
// is wiped.
func decodeKey(b64 string, toPEM func(der []byte) ([]byte, error)) ([]byte, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return toPEM(der)
}
