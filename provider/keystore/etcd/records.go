package etcd

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Record formats (the "format" member of each record).
const (
	formatMeta = "ecdkp-etcd/v1 store"
	formatKey  = "ecdkp-etcd/v1 key"
)

// maxRecordSize bounds what is decoded, so a hostile record cannot
// exhaust a replica's memory (etcd's own request limit is 1.5 MiB).
const maxRecordSize = 1 << 20

// Names under the prefix.
const (
	metaSuffix   = "store/meta"
	keysSuffix   = "store/keys/"
	storeSuffix  = "store/"
	replaySuffix = "replay/"
)

// envelopeJSON is every stored value: the record, and HMAC-SHA256 of its
// exact bytes and etcd key under the store's MAC key.
type envelopeJSON struct {
	Record json.RawMessage `json:"record"`
	MAC    string          `json:"mac"`
}

// placement binds a record to its place in its etcd key's history, so a
// record written again later (a replay of an older value), or into a key
// deleted and made again, is refused: Generation is the etcd version
// (number of writes since creation) the record is written as, Created the
// key's create revision (0 in the first generation, which creates it).
type placement struct {
	Generation int64 `json:"generation"`
	Created    int64 `json:"created"`
}

// check compares the placement with the key value the record was read
// from.
func (p placement) check(version, createRev int64) error {
	switch {
	case p.Generation != version:
		return fmt.Errorf("%w: written as generation %d, found at etcd version %d (an older record written again?)", ErrAltered, p.Generation, version)
	case p.Generation == 1 && p.Created != 0:
		return fmt.Errorf("%w: a first generation naming a create revision", ErrAltered)
	case p.Generation > 1 && p.Created != createRev:
		return fmt.Errorf("%w: written for create revision %d, found at %d (the key was deleted and made again)", ErrAltered, p.Created, createRev)
	}
	return nil
}

// next is the placement of the record that replaces one at (version,
// createRev); createRev 0 creates the key.
func next(version, createRev int64) placement {
	if version == 0 {
		return placement{Generation: 1}
	}
	return placement{Generation: version + 1, Created: createRev}
}

// keyJSON is the record of one master key: its metadata (the default flag
// lives in the store record) and every version's sealed material.
type keyJSON struct {
	Format string `json:"format"`
	placement
	keystore.KeyMetadata
	// Versions holds each version's material, base64 of nonce ||
	// AES-256-GCM under the material key (bound to key id and version).
	Versions []string `json:"versions"`
}

// metaJSON is the store record.
type metaJSON struct {
	Format string `json:"format"`
	placement
	KEK kekJSON `json:"kek"`
	// StoreKey is the store key sealed under the KEK, base64 of nonce ||
	// sealed; bound to the record's etcd key and the KEK.
	StoreKey     string `json:"store_key"`
	DefaultKeyID string `json:"default_key_id,omitempty"`
}

// encode seals a record: the envelope of its JSON.
func (k *storeKeys) encode(name string, record any) []byte {
	body, err := json.Marshal(record)
	if err != nil { // records always marshal
		panic(err)
	}
	var b bytes.Buffer
	b.WriteString(`{"record":`)
	b.Write(body)
	b.WriteString(`,"mac":"`)
	b.WriteString(base64.StdEncoding.EncodeToString(k.recordMAC(name, body)))
	b.WriteString(`"}`)
	return b.Bytes()
}

// unwrap parses an envelope, returning the record's bytes and its MAC.
func unwrap(value []byte) ([]byte, []byte, error) {
	if len(value) > maxRecordSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, more than %d", ErrAltered, len(value), maxRecordSize)
	}
	var env envelopeJSON
	if err := strict(value, &env); err != nil || len(env.Record) == 0 {
		return nil, nil, fmt.Errorf("%w: not a record envelope", ErrAltered)
	}
	mac, err := base64.StdEncoding.DecodeString(env.MAC)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the MAC is not base64", ErrAltered)
	}
	return env.Record, mac, nil
}

// verify checks an envelope's MAC and returns the record's bytes.
func (k *storeKeys) verify(name string, value []byte) ([]byte, error) {
	body, mac, err := unwrap(value)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, k.recordMAC(name, body)) {
		return nil, ErrAltered
	}
	return body, nil
}

func strict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// decodeKey verifies and decodes the record of key keyID read at (version,
// createRev), building its ciphers.
func (k *storeKeys) decodeKey(name, keyID string, value []byte, version, createRev int64) (*masterKey, error) {
	body, err := k.verify(name, value)
	if err != nil {
		return nil, err
	}
	var kj keyJSON
	if err := strict(body, &kj); err != nil {
		return nil, fmt.Errorf("%w: authenticated but not a key record: %v", ErrAltered, err)
	}
	if err := kj.placement.check(version, createRev); err != nil {
		return nil, err
	}
	md := kj.KeyMetadata
	switch {
	case kj.Format != formatKey:
		return nil, fmt.Errorf("%w: format %q is not %q", ErrAltered, kj.Format, formatKey)
	case md.KeyID != keyID:
		return nil, fmt.Errorf("%w: the record of key %s is stored as key %s", ErrAltered, md.KeyID, keyID)
	case md.Default:
		return nil, fmt.Errorf("%w: a key record marked default", ErrAltered)
	case !md.KeyState.Valid():
		return nil, fmt.Errorf("%w: unknown key state %q", ErrAltered, md.KeyState)
	case !keystore.ValidProject(md.Project):
		return nil, fmt.Errorf("%w: project %q is not valid", ErrAltered, md.Project)
	case len(kj.Versions) == 0 || md.CurrentVersion != uint32(len(kj.Versions)):
		return nil, fmt.Errorf("%w: current version %d with %d versions", ErrAltered, md.CurrentVersion, len(kj.Versions))
	}
	id, err := keystore.ParseKeyID(keyID)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAltered, err)
	}
	size, alg, err := materialSize(md.KeySpec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAltered, err)
	}
	mk := &masterKey{md: md, id: id, alg: alg, sealed: kj.Versions, createRev: createRev}
	for i, s := range kj.Versions {
		m, err := k.openMaterial(s, keyID, uint32(i+1))
		if err != nil {
			return nil, err
		}
		if len(m) != size {
			clear(m)
			return nil, fmt.Errorf("%w: version %d of key %s has %d bytes of material, want %d", ErrAltered, i+1, keyID, len(m), size)
		}
		c, err := wrap.NewKeyCipher(alg, m)
		clear(m)
		if err != nil {
			return nil, err
		}
		mk.ciphers = append(mk.ciphers, c)
	}
	return mk, nil
}

// encodeKey writes the record of mk at placement p.
func (k *storeKeys) encodeKey(name string, mk *masterKey, p placement) []byte {
	md := mk.md
	md.Default = false
	return k.encode(name, keyJSON{Format: formatKey, placement: p, KeyMetadata: md, Versions: mk.sealed})
}

// parseMeta reads the store record without verifying it: its kek section
// must be read to find the key that verifies it.
func parseMeta(value []byte) (*metaJSON, error) {
	body, _, err := unwrap(value)
	if err != nil {
		return nil, err
	}
	var m metaJSON
	if err := strict(body, &m); err != nil {
		return nil, fmt.Errorf("%w: not a store record: %v", ErrAltered, err)
	}
	if m.Format != formatMeta {
		return nil, fmt.Errorf("%w: format %q is not %q", ErrAltered, m.Format, formatMeta)
	}
	return &m, nil
}

// decodeMeta verifies the store record under the store's keys.
func (k *storeKeys) decodeMeta(name string, value []byte, version, createRev int64) (*metaJSON, error) {
	body, err := k.verify(name, value)
	if err != nil {
		return nil, err
	}
	var m metaJSON
	if err := strict(body, &m); err != nil {
		return nil, fmt.Errorf("%w: authenticated but not a store record: %v", ErrAltered, err)
	}
	if m.Format != formatMeta {
		return nil, fmt.Errorf("%w: format %q is not %q", ErrAltered, m.Format, formatMeta)
	}
	if err := m.placement.check(version, createRev); err != nil {
		return nil, err
	}
	if m.DefaultKeyID != "" {
		if _, err := keystore.ParseKeyID(m.DefaultKeyID); err != nil {
			return nil, fmt.Errorf("%w: default key: %v", ErrAltered, err)
		}
	}
	return &m, nil
}

// keyIDOf is the key id of a key record's etcd key, or "".
func keyIDOf(prefix, name string) string {
	if id, ok := strings.CutPrefix(name, prefix+keysSuffix); ok {
		return id
	}
	return ""
}
