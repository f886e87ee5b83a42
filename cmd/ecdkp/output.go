package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
)

// printJSON writes v indented to w.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printKeys writes a create or decrypt response; with pemOut it adds
// public_key_pem and (when there is a plaintext) private_key_pem, the keys
// re-armoured as PEM, to the same JSON object.
func printKeys(w io.Writer, resp any, pemOut bool, pubB64, privB64 string) error {
	if !pemOut {
		return printJSON(w, resp)
	}
	extra := map[string]string{}
	for field, v := range map[string]struct{ typ, b64 string }{
		"public_key_pem":  {"PUBLIC KEY", pubB64},
		"private_key_pem": {"PRIVATE KEY", privB64},
	} {
		if v.b64 == "" {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(v.b64)
		if err != nil {
			return err
		}
		extra[field] = string(pem.EncodeToMemory(&pem.Block{Type: v.typ, Bytes: der}))
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
