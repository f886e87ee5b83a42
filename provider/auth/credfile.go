package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Limits on the files LoadCredentials reads.
const (
	maxCredentialsFile = 1 << 20
	maxSecretFile      = 64 << 10
)

// credentialFields are the fields of one entry of a credentials file.
var credentialFields = map[string]bool{
	"principal": true, "projects": true,
	"token": true, "token_file": true,
	"access_key": true, "secret_key": true, "secret_key_file": true,
}

// LoadCredentials reads a credentials file (see ParseCredentials) and
// resolves its relative file references against the file's folder.
func LoadCredentials(path string) (*Credentials, error) {
	data, err := readLimited(path, maxCredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("auth: credentials file: %w", err)
	}
	c, err := ParseCredentials(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return c, nil
}

// ParseCredentials parses a credentials document:
//
//	{"credentials": [
//	  {"principal": "alice", "projects": ["0123456789abcdef0123456789abcdef"], "token_file": "alice.token"},
//	  {"principal": "svc", "projects": [], "access_key": "AK1", "secret_key_file": "/run/secrets/svc"}
//	]}
//
// Each entry has a "principal", a "projects" list ([] for every project:
// the field is required so that no entry gets every project by omission)
// and one credential: "token" or "token_file", or "access_key" with
// "secret_key" or "secret_key_file". A *_file names a file holding the
// secret; one trailing newline is removed. Relative file names are resolved
// against dir (and refused when dir is empty). Parsing is strict: unknown
// or duplicate fields, fields of the wrong type, a value and a file for one
// secret, trailing data, and everything NewCredentials refuses are errors
// that name the entry, never a secret.
func ParseCredentials(data []byte, dir string) (*Credentials, error) {
	if err := checkDuplicateKeys(data); err != nil {
		return nil, fmt.Errorf("auth: credentials: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return nil, errors.New("auth: credentials: the document is not a JSON object")
	}
	for k := range top {
		if k != "credentials" {
			return nil, fmt.Errorf("auth: credentials: unknown top-level field %s", fieldName(k))
		}
	}
	raw, ok := top["credentials"]
	if !ok {
		return nil, errors.New(`auth: credentials: the document has no "credentials" list`)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, errors.New(`auth: credentials: "credentials" is not a list`)
	}
	if len(list) == 0 {
		return nil, errors.New(`auth: credentials: "credentials" is empty`)
	}
	entries := make([]Credential, len(list))
	for i, r := range list {
		e, err := parseEntry(r, dir)
		if err != nil {
			return nil, fmt.Errorf("auth: credentials: entry %d%s: %w", i, principalSuffix(r), err)
		}
		entries[i] = e
	}
	return NewCredentials(entries...)
}

// parseEntry decodes one entry and reads its secret files.
func parseEntry(raw json.RawMessage, dir string) (Credential, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Credential{}, errors.New("is not a JSON object")
	}
	for k := range fields {
		if !credentialFields[k] {
			return Credential{}, fmt.Errorf("unknown field %s", fieldName(k))
		}
	}
	var e Credential
	var err error
	if e.Principal, err = stringField(fields, "principal"); err != nil {
		return e, err
	}
	if e.Principal == "" {
		return e, errors.New(`"principal" is required`)
	}
	p, ok := fields["projects"]
	if !ok {
		return e, errors.New(`"projects" is required (use [] for every project)`)
	}
	if err := json.Unmarshal(p, &e.Projects); err != nil || bytes.Equal(bytes.TrimSpace(p), []byte("null")) {
		return e, errors.New(`"projects" is not a list of strings`)
	}
	if e.Token, err = secretField(fields, "token", "token_file", dir); err != nil {
		return e, err
	}
	if e.AccessKey, err = stringField(fields, "access_key"); err != nil {
		return e, err
	}
	if _, has := fields["access_key"]; has && e.AccessKey == "" {
		return e, errors.New(`"access_key" is empty`)
	}
	if e.SecretKey, err = secretField(fields, "secret_key", "secret_key_file", dir); err != nil {
		return e, err
	}
	return e, nil
}

// stringField returns the named string field, "" when absent; a field that
// is present must be a JSON string. The error never quotes the value.
func stringField(fields map[string]json.RawMessage, name string) (string, error) {
	raw, ok := fields[name]
	if !ok {
		return "", nil
	}
	var s string
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' || json.Unmarshal(t, &s) != nil {
		return "", fmt.Errorf("%q is not a string", name)
	}
	return s, nil
}

// secretField returns a secret given either inline (field value) or as a
// file reference (field fileField), not both.
func secretField(fields map[string]json.RawMessage, value, fileField, dir string) (string, error) {
	v, err := stringField(fields, value)
	if err != nil {
		return "", err
	}
	f, err := stringField(fields, fileField)
	if err != nil {
		return "", err
	}
	_, hasV := fields[value]
	_, hasF := fields[fileField]
	switch {
	case hasV && hasF:
		return "", fmt.Errorf("both %q and %q are set; give one", value, fileField)
	case hasV && v == "":
		return "", fmt.Errorf("%q is empty", value)
	case hasV:
		return v, nil
	case !hasF:
		return "", nil
	case f == "":
		return "", fmt.Errorf("%q is empty", fileField)
	}
	if !filepath.IsAbs(f) {
		if dir == "" {
			return "", fmt.Errorf("%q is a relative path and the document has no folder", fileField)
		}
		f = filepath.Join(dir, f)
	}
	data, err := readLimited(f, maxSecretFile)
	if err != nil {
		return "", fmt.Errorf("%s: %w", fileField, err)
	}
	s := strings.TrimSuffix(string(data), "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", fmt.Errorf("%s %s is empty", fileField, f)
	}
	return s, nil
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return data, nil
}

// principalSuffix returns ` (principal "x")` for an entry whose principal
// field reads as a valid name, for error messages.
func principalSuffix(raw json.RawMessage) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	if p, err := stringField(fields, "principal"); err == nil && principalName.MatchString(p) {
		return fmt.Sprintf(" (principal %q)", p)
	}
	return ""
}

// plainField matches names shaped like this format's field names.
var plainField = regexp.MustCompile(`^[a-z_]{1,24}$`)

// fieldName quotes a field name for an error message when it is shaped
// like a field name; anything else might be a misplaced secret.
func fieldName(k string) string {
	if plainField.MatchString(k) {
		return fmt.Sprintf("%q", k)
	}
	return "(a name that is not shaped like a field name)"
}

// checkDuplicateKeys walks the JSON document and refuses an object with a
// repeated key, or anything after the document. encoding/json would keep
// the last of the duplicates silently.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walkJSON(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON document")
	}
	return nil
}

// walkJSON consumes one value, checking the keys of every object in it;
// path names the value for error messages.
func walkJSON(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return errors.New("the document is not valid JSON")
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := make(map[string]bool)
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return errors.New("the document is not valid JSON")
			}
			k := kt.(string)
			if seen[k] {
				return fmt.Errorf("field %s given twice in %s", fieldName(k), where(path))
			}
			seen[k] = true
			if err := walkJSON(dec, path+"."+k); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := walkJSON(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return errors.New("the document is not valid JSON")
	}
	return nil
}

// where names a position of walkJSON for a message: "the document",
// "entry 3", or a field path made only of field-shaped names.
func where(path string) string {
	if path == "" {
		return "the document"
	}
	var i int
	if _, err := fmt.Sscanf(path, ".credentials[%d]", &i); err == nil && path == fmt.Sprintf(".credentials[%d]", i) {
		return fmt.Sprintf("entry %d", i)
	}
	return "an object of the document"
}
