package aws

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/ecdkp/ecdkp/internal/quote"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// A KeyId is a key id (a UUID), or the key's ARN,
// arn:<partition>:kms:<region>:<account>:key/<id>, whose account names the
// project; the region must be the server's, and the partition that
// region's (Partition). Aliases are not offered. Without an ARN, the
// project is the caller's one project, or the default account.

// partitions are the AWS partitions of regions other than the commercial
// one ("aws"), by the prefix of their region names, the longest first
// where one prefix begins another.
var partitions = []struct{ prefix, partition string }{
	{"cn-", "aws-cn"},
	{"us-gov-", "aws-us-gov"},
	{"us-isob-", "aws-iso-b"},
	{"us-isof-", "aws-iso-f"},
	{"us-iso-", "aws-iso"},
	{"eu-isoe-", "aws-iso-e"},
	{"eusc-", "aws-eusc"},
}

// Partition is the AWS partition of region, the second field of the ARNs
// of its keys: aws-cn for the China regions (cn-north-1), aws-us-gov for
// GovCloud, the isolated partitions by their region prefixes, and aws for
// every other region.
func Partition(region string) string {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

// maxKeyIDLen is AWS's bound of a KeyId (1 to 2048 characters).
const maxKeyIDLen = 2048

// resolveKey reads a KeyId, sets the request's project, and returns the
// key id.
func (q *request) resolveKey(keyID string) (string, error) {
	if keyID == "" {
		return "", pre(provider.FailMissingParameter, "KeyId is required")
	}
	if len(keyID) > maxKeyIDLen {
		// AWS's length constraint of the member, checked before any
		// lookup: a ValidationException, not a key that is not found.
		return "", pre(provider.FailInvalidParameter, "KeyId is %d characters, more than %d", len(keyID), maxKeyIDLen)
	}
	id, account := keyID, ""
	switch {
	case strings.HasPrefix(keyID, "alias/"):
		return "", pre(provider.FailKeyNotFound, "alias %s does not exist: this KMS offers no aliases", quote.Clip(keyID, clipLen))
	case strings.HasPrefix(keyID, "arn:"):
		parts := strings.SplitN(keyID, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || !strings.HasPrefix(parts[5], "key/") {
			return "", pre(provider.FailKeyNotFound, "KeyId %s is not a key ARN (arn:%s:kms:<region>:<account>:key/<id>)", quote.Clip(keyID, clipLen), Partition(q.h.p.Region()))
		}
		if region := q.h.p.Region(); parts[3] != region {
			return "", pre(provider.FailKeyNotFound, "key %s is in region %s; this KMS serves %s", quote.Clip(keyID, clipLen), quote.Clip(parts[3], clipLen), region)
		} else if partition := Partition(region); parts[1] != partition {
			return "", pre(provider.FailKeyNotFound, "key %s is in partition %s; region %s is in %s", quote.Clip(keyID, clipLen), quote.Clip(parts[1], clipLen), region, partition)
		}
		account, id = parts[4], strings.TrimPrefix(parts[5], "key/")
		if !keystore.ValidProject(account) {
			return "", pre(provider.FailKeyNotFound, "KeyId %s names no valid account", quote.Clip(keyID, clipLen))
		}
	}
	if err := q.setProject(account); err != nil {
		return "", err
	}
	return id, nil
}

// setProject fixes the request's project: account, or when "" the
// caller's default; the caller must be allowed in it.
func (q *request) setProject(account string) error {
	if account == "" {
		account = q.h.account
		if len(q.pr.Projects) == 1 {
			account = q.pr.Projects[0]
		}
		if !keystore.ValidProject(account) {
			// Never "no project", which the provider reads as every
			// project: a key of any account, no policy on its account.
			return pre(provider.FailInternal, "this server has no valid default account; name the key by its ARN")
		}
	}
	if !q.pr.AllowsProject(account) {
		return pre(provider.FailForbidden, "principal %s may not act in account %s", quote.Clip(q.pr.Name, clipLen), account)
	}
	q.caller.ProjectID = account
	return nil
}

// arn is the ARN of a key of the request's project.
func (q *request) arn(keyID string) string {
	region := q.h.p.Region()
	return "arn:" + Partition(region) + ":kms:" + region + ":" + q.caller.ProjectID + ":key/" + keyID
}

// keyMaterialID names a master key version: the hex SHA-256 of the key's
// 16-byte id and its version (4 bytes, big-endian), 64 characters as AWS's
// KeyMaterialId. envelopeB64 is an envelope of the version; "" when it
// cannot be read.
func keyMaterialID(envelopeB64 string) string {
	// Both envelope versions start: magic (4), alg (1), key id (16),
	// version (4): the first 36 base64 characters are 27 bytes.
	if len(envelopeB64) < 36 {
		return ""
	}
	var src [36]byte
	copy(src[:], envelopeB64)
	var head [27]byte
	if _, err := base64.StdEncoding.Decode(head[:], src[:]); err != nil {
		return ""
	}
	var in [20]byte
	copy(in[:16], head[5:21])
	binary.BigEndian.PutUint32(in[16:], binary.BigEndian.Uint32(head[21:25]))
	sum := sha256.Sum256(in[:])
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}
