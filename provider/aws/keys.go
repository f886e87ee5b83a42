package aws

import (
	"strconv"
	"time"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// The dev-loop key operations (WithKeyManagement). Keys are symmetric
// master keys: SYMMETRIC_DEFAULT (AES-256) or, as an extension, SM4.

// keyMetadata is AWS's KeyMetadata of a master key.
type keyMetadata struct {
	AWSAccountID          string   `json:"AWSAccountId"`
	KeyID                 string   `json:"KeyId"`
	Arn                   string   `json:"Arn"`
	CreationDate          float64  `json:"CreationDate"`
	Enabled               bool     `json:"Enabled"`
	Description           string   `json:"Description"`
	KeyUsage              string   `json:"KeyUsage"`
	KeyState              string   `json:"KeyState"`
	Origin                string   `json:"Origin"`
	KeyManager            string   `json:"KeyManager"`
	KeySpec               string   `json:"KeySpec"`
	CustomerMasterKeySpec string   `json:"CustomerMasterKeySpec"`
	EncryptionAlgorithms  []string `json:"EncryptionAlgorithms"`
	MultiRegion           bool     `json:"MultiRegion"`
	CurrentKeyMaterialID  string   `json:"CurrentKeyMaterialId,omitempty"`
}

// Specs and origins as AWS spells them.
var (
	specNames   = map[keystore.MasterKeySpec]string{keystore.AES256: "SYMMETRIC_DEFAULT", keystore.SM4: "SM4"}
	originNames = map[keystore.Origin]string{keystore.OriginKMS: "AWS_KMS", keystore.OriginExternal: "EXTERNAL", keystore.OriginHSM: "AWS_CLOUDHSM"}
)

func (q *request) metadata(md keystore.KeyMetadata) keyMetadata {
	return keyMetadata{
		AWSAccountID: md.Project, KeyID: md.KeyID, Arn: q.arn(md.KeyID),
		CreationDate: float64(md.CreationDate.Unix()), Enabled: md.KeyState == keystore.KeyEnabled,
		KeyUsage: string(md.KeyUsage), KeyState: string(md.KeyState), Origin: originNames[md.Origin], KeyManager: "CUSTOMER",
		KeySpec: specNames[md.KeySpec], CustomerMasterKeySpec: specNames[md.KeySpec],
		EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"},
	}
}

// createKey serves CreateKey.
func createKey(q *request) (answer, error) {
	m := members{o: q.body}
	spec := m.str("KeySpec")
	cmkSpec := m.str("CustomerMasterKeySpec")
	usage := m.str("KeyUsage")
	_ = m.str("Description") // accepted, not kept
	origin := m.str("Origin")
	multi := m.boolean("MultiRegion")
	_ = m.boolean("BypassPolicyLockoutSafetyCheck")
	policy := m.str("Policy")
	tags := m.o.Present("Tags")
	store := m.str("CustomKeyStoreId")
	xks := m.str("XksKeyId")
	if err := m.done(); err != nil {
		return answer{}, err
	}
	if spec == "" {
		spec = cmkSpec
	}
	switch {
	case tags:
		return answer{}, pre(provider.FailUnsupported, "Tags are not supported")
	case policy != "":
		return answer{}, pre(provider.FailUnsupported, "key policies are not supported: this KMS decides with one policy (ecdkp serve --policy)")
	case store != "" || xks != "":
		return answer{}, pre(provider.FailUnsupported, "custom key stores are not supported")
	case multi:
		return answer{}, pre(provider.FailUnsupported, "multi-Region keys are not supported")
	case origin != "" && origin != "AWS_KMS":
		return answer{}, pre(provider.FailUnsupported, "Origin %s is not supported; use AWS_KMS", origin)
	case usage != "" && usage != string(keystore.UsageEncryptDecrypt):
		return answer{}, pre(provider.FailUnsupported, "KeyUsage %s is not supported; master keys here are ENCRYPT_DECRYPT", usage)
	}
	ms := keystore.AES256
	switch spec {
	case "", "SYMMETRIC_DEFAULT":
	case "SM4":
		ms = keystore.SM4
	default:
		return answer{}, pre(provider.FailUnsupported, "KeySpec %s is not supported; use SYMMETRIC_DEFAULT or SM4", spec)
	}
	if err := q.setProject(""); err != nil {
		return answer{}, err
	}
	md, err := q.h.p.CreateKey(q.ctx(), keystore.KeyParams{Spec: ms})
	if err != nil {
		return answer{}, err
	}
	return answer{value: map[string]any{"KeyMetadata": q.metadata(md)}}, nil
}

// keyIDOnly reads a body of KeyId and GrantTokens only.
func keyIDOnly(q *request, extra func(m *members)) (string, error) {
	m := members{o: q.body}
	keyID := m.str("KeyId")
	tokens := m.strList("GrantTokens")
	if extra != nil {
		extra(&m)
	}
	if err := m.done(); err != nil {
		return "", err
	}
	if err := grantTokens(tokens); err != nil {
		return "", err
	}
	return q.resolveKey(keyID)
}

// describeKey serves DescribeKey.
func describeKey(q *request) (answer, error) {
	id, err := keyIDOnly(q, nil)
	if err != nil {
		return answer{}, err
	}
	md, err := q.h.p.DescribeKey(q.ctx(), id)
	if err != nil {
		return answer{}, err
	}
	return answer{value: map[string]any{"KeyMetadata": q.metadata(md)}}, nil
}

// listKeys serves ListKeys, paged with Limit (1 to 1000, default 100) and
// Marker (the position to go on from).
func listKeys(q *request) (answer, error) {
	m := members{o: q.body}
	limit := m.number("Limit")
	marker := m.str("Marker")
	if err := m.done(); err != nil {
		return answer{}, err
	}
	n := 100
	if limit != "" {
		v, err := strconv.Atoi(limit)
		if err != nil || v < 1 || v > 1000 {
			return answer{}, pre(provider.FailInvalidParameter, "Limit must be 1 to 1000")
		}
		n = v
	}
	from := 0
	if marker != "" {
		v, err := strconv.Atoi(marker)
		if err != nil || v < 0 {
			return answer{}, pre(provider.FailInvalidParameter, "Marker is not one this KMS gave")
		}
		from = v
	}
	if err := q.setProject(""); err != nil {
		return answer{}, err
	}
	all, err := q.h.p.ListKeys(q.ctx())
	if err != nil {
		return answer{}, err
	}
	type entry struct {
		KeyID  string `json:"KeyId"`
		KeyArn string `json:"KeyArn"`
	}
	out := struct {
		Keys       []entry `json:"Keys"`
		Truncated  bool    `json:"Truncated"`
		NextMarker string  `json:"NextMarker,omitempty"`
	}{Keys: []entry{}}
	for i := from; i < len(all) && len(out.Keys) < n; i++ {
		out.Keys = append(out.Keys, entry{all[i].KeyID, q.arn(all[i].KeyID)})
	}
	if end := from + len(out.Keys); end < len(all) {
		out.Truncated, out.NextMarker = true, strconv.Itoa(end)
	}
	return answer{value: out}, nil
}

// setKeyState serves EnableKey and DisableKey (an empty answer).
func setKeyState(action string) func(q *request) (answer, error) {
	return func(q *request) (answer, error) {
		id, err := keyIDOnly(q, nil)
		if err != nil {
			return answer{}, err
		}
		op := q.h.p.EnableKey
		if action == provider.ActionDisableKey {
			op = q.h.p.DisableKey
		}
		if _, err := op(q.ctx(), id); err != nil {
			return answer{}, err
		}
		return answer{value: struct{}{}}, nil
	}
}

// scheduleKeyDeletion serves ScheduleKeyDeletion. The key is never
// deleted (see provider.Provider.ScheduleKeyDeletion); the DeletionDate
// answered is when AWS would delete it.
func scheduleKeyDeletion(q *request) (answer, error) {
	var days string
	id, err := keyIDOnly(q, func(m *members) { days = m.number("PendingWindowInDays") })
	if err != nil {
		return answer{}, err
	}
	d := 30
	if days != "" {
		v, err := strconv.Atoi(days)
		if err != nil || v < 7 || v > 30 {
			return answer{}, pre(provider.FailInvalidParameter, "PendingWindowInDays must be 7 to 30")
		}
		d = v
	}
	md, err := q.h.p.ScheduleKeyDeletion(q.ctx(), id)
	if err != nil {
		return answer{}, err
	}
	return answer{value: map[string]any{
		"KeyId": q.arn(md.KeyID), "KeyState": string(md.KeyState), "PendingWindowInDays": d,
		"DeletionDate": float64(time.Now().Add(time.Duration(d) * 24 * time.Hour).Unix()),
	}}, nil
}

// cancelKeyDeletion serves CancelKeyDeletion.
func cancelKeyDeletion(q *request) (answer, error) {
	id, err := keyIDOnly(q, nil)
	if err != nil {
		return answer{}, err
	}
	md, err := q.h.p.CancelKeyDeletion(q.ctx(), id)
	if err != nil {
		return answer{}, err
	}
	return answer{value: map[string]any{"KeyId": q.arn(md.KeyID)}}, nil
}
