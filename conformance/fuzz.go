package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/aws"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// FuzzOptions configure Fuzz. KeyID is required; the bounds have
// defaults.
type FuzzOptions struct {
	// KeyID is an enabled master key of the target, the key of the valid
	// requests the fuzzer starts from.
	KeyID string
	// Duration bounds the run (default 10 seconds).
	Duration time.Duration
	// MaxRequests bounds the requests sent, the seeding ones and the
	// decryptions back included (default 1000).
	MaxRequests int
	// Seed makes a run repeatable; 0 picks one at random, which the report
	// gives.
	Seed uint64
	// Specs are the key specs of the valid requests (default Huawei's
	// five).
	Specs []curves.Spec
	// Dialect is the dialect of a target that is not a DialectTarget.
	Dialect Dialect
}

// FuzzReport is what a Fuzz run found.
type FuzzReport struct {
	Dialect  Dialect
	Seed     uint64
	Requests int
	Elapsed  time.Duration
	// Statuses counts the answers by HTTP status (0: the exchange failed).
	Statuses map[int]int
	// Overloaded counts the 503 answers with the dialect's code for it,
	// which are allowed (an endpoint may shed load) and not findings.
	Overloaded int
	// Findings are the first MaxFuzzFindings broken invariants, in order;
	// Dropped counts those left out.
	Findings []FuzzFinding
	Dropped  int
}

// MaxFuzzFindings bounds FuzzReport.Findings.
const MaxFuzzFindings = 100

// FuzzFinding is one answer that breaks an invariant.
type FuzzFinding struct {
	// Operation is the route or AWS operation the request went to.
	Operation string
	// Mutation says how the request was made from a valid one.
	Mutation string
	// Body is the request body, at most maxFindingBody bytes of it. Request
	// bodies hold no secret (key ids, ciphertexts, contexts); response
	// bodies, which may hold private keys, are never reported.
	Body string
	// Status is the answer's HTTP status (0: the exchange failed).
	Status int
	// Problem is the invariant broken.
	Problem string
}

const maxFindingBody = 512

// WriteTo writes the report: one line per finding, then the summary
// "N requests, M findings".
func (r *FuzzReport) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "FINDING %s (%s): HTTP %d: %s\n  body: %s\n", f.Operation, f.Mutation, f.Status, f.Problem, strconv.Quote(f.Body))
	}
	if r.Dropped > 0 {
		fmt.Fprintf(&b, "(%d more findings not shown)\n", r.Dropped)
	}
	statuses := slices.Sorted(maps.Keys(r.Statuses))
	parts := make([]string, 0, len(statuses))
	for _, s := range statuses {
		parts = append(parts, fmt.Sprintf("%d:%d", s, r.Statuses[s]))
	}
	fmt.Fprintf(&b, "fuzz: dialect %s, seed %d, %s, statuses %s, %d overloaded\n", r.Dialect, r.Seed, r.Elapsed.Round(time.Millisecond), strings.Join(parts, " "), r.Overloaded)
	fmt.Fprintf(&b, "%d requests, %d findings\n", r.Requests, len(r.Findings)+r.Dropped)
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Fuzz sends generated and mutated requests to target, a RawTarget
// (HTTPTarget, AWSTarget), for at most opts.Duration and opts.MaxRequests,
// and checks the invariants every answer must keep:
//
//   - no 5xx, but for a 503 with the dialect's overload code;
//   - every error answer is the dialect's error body ({"error":
//     {"error_code"}} or {"__type"}) with a code the dialect knows;
//   - every 200 to a create is valid: the key spec asked, a public key
//     that parses as that spec's canonical SPKI, the plaintext present
//     exactly when asked for and the canonical PKCS#8 of the public key,
//     and a ciphertext that decrypts back through the endpoint (with the
//     request's context) to that private key;
//   - every 200 to a decrypt is a PKCS#8 private key, of the public key of
//     the ciphertext it came from;
//   - a request no KMS may accept (a flipped or cut ciphertext, another
//     context, a missing required member, an unknown key spec) is refused.
//     A request made malformed (duplicate or unknown members, wrong JSON
//     types, broken JSON) may be refused or, by a lenient endpoint,
//     accepted; then only the structure of its answer is checked.
//
// The requests start from valid ones under opts.KeyID for each spec (the
// first of them make the ciphertexts the decrypt requests start from),
// with one or two mutations each: members dropped, duplicated, retyped,
// oversized or replaced by random strings, invalid base64, wrong specs,
// flipped and cut ciphertexts, changed and huge contexts, unknown and
// case-changed member names, and cut or corrupted bodies. The run is
// deterministic for a Seed (the endpoint's answers aside). It returns an
// error only when it cannot run: no RawTarget, no KeyID, or a first
// request that fails to reach the endpoint.
func Fuzz(ctx context.Context, target Target, opts FuzzOptions) (*FuzzReport, error) {
	raw, ok := target.(RawTarget)
	if !ok {
		return nil, errors.New("conformance: Fuzz needs a RawTarget (HTTPTarget or AWSTarget)")
	}
	if opts.KeyID == "" {
		return nil, errors.New("conformance: FuzzOptions.KeyID is required: an enabled master key of the target")
	}
	d := opts.Dialect
	if dt, ok := target.(DialectTarget); ok {
		d = dt.Dialect()
	}
	if d == "" {
		d = Huawei
	}
	if d != Huawei && d != AWS {
		return nil, fmt.Errorf("conformance: unknown dialect %q", d)
	}
	if opts.Duration <= 0 {
		opts.Duration = 10 * time.Second
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = 1000
	}
	if len(opts.Specs) == 0 {
		opts.Specs = defaultSpecs
	}
	if opts.Seed == 0 {
		opts.Seed = rand.Uint64() | 1
	}
	z := &fuzzer{
		raw: raw, d: d, keyID: opts.KeyID, specs: opts.Specs, max: opts.MaxRequests,
		rng:    rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		report: &FuzzReport{Dialect: d, Seed: opts.Seed, Statuses: map[int]int{}},
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	if err := z.seed(ctx); err != nil {
		return nil, err
	}
	for z.report.Requests < z.max && ctx.Err() == nil {
		z.one(ctx)
	}
	z.report.Elapsed = time.Since(start)
	return z.report, nil
}

// fuzzer is the state of one run.
type fuzzer struct {
	raw    RawTarget
	d      Dialect
	keyID  string
	specs  []curves.Spec
	max    int
	rng    *rand.Rand
	report *FuzzReport
	seeds  []fuzzSeed
}

// fuzzSeed is a ciphertext the endpoint made, with its context and key.
type fuzzSeed struct {
	cipherText string
	aad        string
	ec         map[string]string
	pub        *curves.PublicKey
}

// member is one member of a JSON object body, its value as raw JSON.
type member struct {
	name string
	raw  string
}

// fuzzRequest is one request being made.
type fuzzRequest struct {
	op       string // route (Huawei) or operation (AWS)
	decrypt  bool
	members  []member
	seed     *fuzzSeed
	mutation []string
	lenient  bool   // made malformed: a 200 is checked for structure only
	refuse   string // why no KMS may accept it ("" when it may)
	// refusedFor is the member whose value refuse is about, "" when it is
	// about no one member: dropping that member (when optional) takes
	// the reason away.
	refusedFor string
	body       []byte // set when the body is no longer members
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonValue(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (q *fuzzRequest) encode() []byte {
	if q.body != nil {
		return q.body
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range q.members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(m.name))
		b.WriteByte(':')
		b.WriteString(m.raw)
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// Member names of the two dialects.
type fuzzNames struct {
	keyID, spec, plain, aad, blob, ec, opCreate, opCreateNoPlain, opDecrypt string
}

func (z *fuzzer) names() fuzzNames {
	if z.d == AWS {
		return fuzzNames{"KeyId", "KeyPairSpec", "", "", "CiphertextBlob", "EncryptionContext",
			"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "Decrypt"}
	}
	return fuzzNames{"key_id", "key_spec", "with_plain_text", "additional_authenticated_data", "cipher_text", "",
		RouteCreate, RouteCreate, RouteDecrypt}
}

// send posts a request and counts it.
func (z *fuzzer) send(ctx context.Context, op string, body []byte) (int, []byte, error) {
	z.report.Requests++
	status, out, err := z.raw.Post(ctx, op, body)
	if err != nil {
		status = 0
	}
	z.report.Statuses[status]++
	return status, out, err
}

// seed creates one key pair per spec with a context, for the decrypt
// requests to start from.
func (z *fuzzer) seed(ctx context.Context) error {
	n := z.names()
	for i, spec := range z.specs {
		if z.report.Requests >= z.max {
			break
		}
		q := z.validCreate(spec, false)
		status, out, err := z.send(ctx, q.op, q.encode())
		if err != nil {
			if i == 0 {
				return fmt.Errorf("conformance: fuzz: the first request failed: %w", err)
			}
			continue
		}
		if status != 200 {
			z.checkError(q, status, out)
			continue
		}
		cr, ok := z.checkCreate(ctx, q, out)
		if !ok {
			continue
		}
		s := fuzzSeed{cipherText: cr.PrivateKeyCipherText, pub: cr.pub}
		for _, m := range q.members {
			switch m.name {
			case n.aad:
				_ = json.Unmarshal([]byte(m.raw), &s.aad)
			case n.ec:
				_ = json.Unmarshal([]byte(m.raw), &s.ec)
			}
		}
		z.seeds = append(z.seeds, s)
	}
	return nil
}

// validCreate is a valid create request for spec.
func (z *fuzzer) validCreate(spec curves.Spec, random bool) *fuzzRequest {
	n := z.names()
	q := &fuzzRequest{op: n.opCreate, members: []member{{n.keyID, jsonString(z.keyID)}, {n.spec, jsonString(string(spec))}}}
	withCtx := !random || z.rng.IntN(3) > 0
	if z.d == AWS {
		if random && z.rng.IntN(2) == 0 {
			q.op = n.opCreateNoPlain
		}
		if withCtx {
			q.members = append(q.members, member{n.ec, jsonValue(map[string]string{"fuzz": "seed", "spec": string(spec)})})
		}
		return q
	}
	if random {
		switch z.rng.IntN(3) {
		case 1:
			q.members = append(q.members, member{n.plain, "true"})
		case 2:
			q.members = append(q.members, member{n.plain, "false"})
		}
	}
	if withCtx {
		q.members = append(q.members, member{n.aad, jsonString("fuzz;seed;" + string(spec))})
	}
	return q
}

// validDecrypt is a valid decrypt request of a seed.
func (z *fuzzer) validDecrypt(s *fuzzSeed) *fuzzRequest {
	n := z.names()
	q := &fuzzRequest{op: n.opDecrypt, decrypt: true, seed: s, members: []member{{n.blob, jsonString(s.cipherText)}}}
	switch {
	case z.d == AWS && s.ec != nil:
		q.members = append(q.members, member{n.ec, jsonValue(s.ec)})
	case z.d == Huawei && s.aad != "":
		q.members = append(q.members, member{n.aad, jsonString(s.aad)})
	}
	if z.d == AWS && z.rng.IntN(2) == 0 {
		q.members = append(q.members, member{n.keyID, jsonString(z.keyID)})
	}
	return q
}

// one makes, sends and checks one request.
func (z *fuzzer) one(ctx context.Context) {
	var q *fuzzRequest
	if len(z.seeds) > 0 && z.rng.IntN(2) == 0 {
		q = z.validDecrypt(&z.seeds[z.rng.IntN(len(z.seeds))])
	} else {
		q = z.validCreate(z.specs[z.rng.IntN(len(z.specs))], true)
	}
	for range 1 + z.rng.IntN(2) {
		z.mutate(q)
	}
	status, out, err := z.send(ctx, q.op, q.encode())
	switch {
	case err != nil && ctx.Err() != nil:
		z.report.Requests-- // cut off by the deadline: not an answer
		z.report.Statuses[0]--
		if z.report.Statuses[0] == 0 {
			delete(z.report.Statuses, 0)
		}
	case err != nil:
		z.find(q, 0, "the exchange failed: "+oneLine(err.Error()))
	case status >= 200 && status <= 299:
		z.checkSuccess(ctx, q, status, out)
	default:
		z.checkError(q, status, out)
	}
}

// find records a finding.
func (z *fuzzer) find(q *fuzzRequest, status int, problem string) {
	if len(z.report.Findings) >= MaxFuzzFindings {
		z.report.Dropped++
		return
	}
	body := q.encode()
	if len(body) > maxFindingBody {
		body = append(body[:maxFindingBody:maxFindingBody], fmt.Sprintf("...(%d bytes)", len(q.encode()))...)
	}
	mut := strings.Join(q.mutation, ", ")
	if mut == "" {
		mut = "valid"
	}
	z.report.Findings = append(z.report.Findings, FuzzFinding{Operation: q.op, Mutation: mut, Body: strings.ToValidUTF8(string(body), "\uFFFD"), Status: status, Problem: problem})
}

// overloadCodes are the codes of a 503 that sheds load.
var overloadCodes = map[Dialect][]string{
	Huawei: {huawei.CodeOf(provider.FailUnavailable).Code},
	AWS:    {aws.CodeOf(provider.FailUnavailable).Type, "ThrottlingException", "ServiceUnavailableException"},
}

// checkError checks an error answer.
func (z *fuzzer) checkError(q *fuzzRequest, status int, out []byte) {
	var code string
	var ok bool
	if z.d == AWS {
		code, _, ok = parseAWSError(out)
	} else {
		code, _, ok = parseErrorBody(out)
	}
	switch {
	case !ok:
		z.find(q, status, fmt.Sprintf("the error answer is not the %s dialect's error body: %s", z.d, strconv.Quote(clip(out))))
	case !knownCodes[z.d][code]:
		z.find(q, status, fmt.Sprintf("error code %q is not one the %s dialect knows", code, z.d))
	case status == 503 && slices.Contains(overloadCodes[z.d], code):
		z.report.Overloaded++
	case status >= 500:
		z.find(q, status, fmt.Sprintf("HTTP %d %s: a server error for a request the client made", status, code))
	case status < 400:
		z.find(q, status, fmt.Sprintf("HTTP %d is neither a success nor an error status", status))
	}
}

// checkSuccess checks a 2xx answer.
func (z *fuzzer) checkSuccess(ctx context.Context, q *fuzzRequest, status int, out []byte) {
	if status != 200 {
		z.find(q, status, fmt.Sprintf("HTTP %d: a success other than 200", status))
		return
	}
	if q.refuse != "" && !q.lenient {
		z.find(q, status, "accepted although "+q.refuse)
	}
	if q.decrypt {
		z.checkDecrypted(q, out)
		return
	}
	z.checkCreate(ctx, q, out)
}

// created is a create answer the fuzzer has checked.
type fuzzCreated struct {
	provider.CreateEcDatakeyPairResponse
	pub *curves.PublicKey
}

// createdOf reads a create answer in either dialect.
func (z *fuzzer) createdOf(out []byte) (*provider.CreateEcDatakeyPairResponse, error) {
	if z.d == AWS {
		var a awsGenerateOutput
		if err := json.Unmarshal(out, &a); err != nil {
			return nil, err
		}
		return &provider.CreateEcDatakeyPairResponse{KeyID: a.KeyID, KeySpec: a.KeyPairSpec, PublicKey: a.PublicKey,
			PrivateKeyCipherText: a.PrivateKeyCiphertextBlob, PrivateKeyPlainText: a.PrivateKeyPlaintext, CiphertextRecipient: a.CiphertextForRecipient}, nil
	}
	var r provider.CreateEcDatakeyPairResponse
	err := json.Unmarshal(out, &r)
	return &r, err
}

// requested reads what a request asked for from its members: the spec,
// whether the plaintext is wanted, and the context; ok is false when the
// members do not say it unambiguously (then only the answer's structure
// is checked).
func (z *fuzzer) requested(q *fuzzRequest) (spec string, plain bool, aad string, ec map[string]string, ok bool) {
	if q.lenient || q.body != nil {
		return "", false, "", nil, false
	}
	n := z.names()
	plain = z.d == Huawei || q.op == n.opCreate
	for _, m := range q.members {
		var err error
		switch m.name {
		case n.spec:
			err = json.Unmarshal([]byte(m.raw), &spec)
		case n.plain:
			if n.plain != "" {
				err = json.Unmarshal([]byte(m.raw), &plain)
			}
		case n.aad:
			if n.aad != "" {
				err = json.Unmarshal([]byte(m.raw), &aad)
			}
		case n.ec:
			if n.ec != "" {
				err = json.Unmarshal([]byte(m.raw), &ec)
			}
		}
		if err != nil {
			return "", false, "", nil, false
		}
	}
	return spec, plain, aad, ec, true
}

// checkCreate checks a create's 200 and decrypts its ciphertext back.
func (z *fuzzer) checkCreate(ctx context.Context, q *fuzzRequest, out []byte) (*fuzzCreated, bool) {
	n := z.names()
	f := func(name string) string { return (&env{dialect: z.d}).f(name) }
	resp, err := z.createdOf(out)
	if err != nil {
		z.find(q, 200, "the answer is not the create response's JSON: "+oneLine(err.Error()))
		return nil, false
	}
	spec, plain, aad, ec, known := z.requested(q)
	if !known {
		spec = resp.KeySpec
	} else if resp.KeySpec != spec {
		z.find(q, 200, fmt.Sprintf("%s is %q, want the request's %q", f("key_spec"), resp.KeySpec, spec))
		return nil, false
	}
	if _, err := curves.Lookup(curves.Spec(spec)); err != nil {
		z.find(q, 200, fmt.Sprintf("answered a key pair of spec %q, which names no curve", resp.KeySpec))
		return nil, false
	}
	pub, _, err := parsePublic(f("public_key"), resp.PublicKey, curves.Spec(spec))
	if err != nil {
		z.find(q, 200, err.Error())
		return nil, false
	}
	if resp.PrivateKeyCipherText == "" {
		z.find(q, 200, f("private_key_cipher_text")+" is missing")
		return nil, false
	}
	if known && plain != (resp.PrivateKeyPlainText != "") {
		z.find(q, 200, fmt.Sprintf("%s is present: %v, want %v", f("private_key_plain_text"), resp.PrivateKeyPlainText != "", plain))
	}
	if resp.PrivateKeyPlainText != "" {
		if priv, _, err := parsePrivate(f("private_key_plain_text"), resp.PrivateKeyPlainText, pub); err != nil {
			z.find(q, 200, err.Error())
		} else {
			priv.Destroy()
		}
	}
	if !known || z.report.Requests >= z.max {
		return &fuzzCreated{*resp, pub}, true
	}
	back := &fuzzRequest{op: n.opDecrypt, decrypt: true, members: []member{{n.blob, jsonString(resp.PrivateKeyCipherText)}},
		mutation: []string{"decrypting back " + strings.Join(append([]string{"a valid create"}, q.mutation...), ", ")}}
	switch {
	case z.d == AWS && ec != nil:
		back.members = append(back.members, member{n.ec, jsonValue(ec)})
	case z.d == Huawei && aad != "":
		back.members = append(back.members, member{n.aad, jsonString(aad)})
	}
	back.seed = &fuzzSeed{pub: pub}
	status, dout, err := z.send(ctx, back.op, back.encode())
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil:
		z.find(back, 0, "the exchange failed: "+oneLine(err.Error()))
	case status != 200:
		z.find(back, status, fmt.Sprintf("the ciphertext of a 200 does not decrypt back with the request's context: HTTP %d %s", status, clip(dout)))
	default:
		z.checkDecrypted(back, dout)
	}
	return &fuzzCreated{*resp, pub}, true
}

// checkDecrypted checks a decrypt's 200.
func (z *fuzzer) checkDecrypted(q *fuzzRequest, out []byte) {
	field := "private_key_plain_text"
	var plaintext string
	if z.d == AWS {
		var a awsDecryptOutput
		if err := json.Unmarshal(out, &a); err != nil {
			z.find(q, 200, "the answer is not Decrypt's JSON: "+oneLine(err.Error()))
			return
		}
		field, plaintext = "Plaintext", a.Plaintext
	} else {
		var r provider.DecryptDatakeyPairResponse
		if err := json.Unmarshal(out, &r); err != nil {
			z.find(q, 200, "the answer is not decrypt-datakey-pair's JSON: "+oneLine(err.Error()))
			return
		}
		plaintext = r.PrivateKeyPlainText
	}
	der, err := decodeField(field, plaintext)
	if err != nil {
		z.find(q, 200, err.Error())
		return
	}
	defer clear(der)
	if q.seed == nil || q.seed.pub == nil || q.lenient || q.refuse != "" {
		return // the ciphertext is not known: the plaintext need only parse
	}
	priv, _, err := checkPKCS8(field, der, q.seed.pub)
	if err != nil {
		z.find(q, 200, err.Error())
		return
	}
	priv.Destroy()
}

// junkSpecs are key specs no KMS offers.
var junkSpecs = []string{"ECC_NIST_P224", "ecc_nist_p256", "P-256", "", " SM2", "SM2 ", "ECC_NIST_P256\u0000", "ECC_SECG_P256R1", "EC", "ECC_NIST_EDWARDS448", "\u00c9CC_NIST_P256"}

// mutate applies one random mutation to q.
func (z *fuzzer) mutate(q *fuzzRequest) {
	if q.body != nil {
		return // already raw bytes: leave them
	}
	n := z.names()
	r := z.rng
	pick := func() int { return r.IntN(len(q.members)) }
	note := func(s string) { q.mutation = append(q.mutation, s) }
	required := func(name string) bool {
		return name == n.keyID && !q.decrypt || name == n.spec && !q.decrypt || name == n.blob
	}
	binding := func(name string) bool {
		return q.decrypt && (name == n.aad && n.aad != "" || name == n.ec && n.ec != "")
	}
	if len(q.members) == 0 {
		q.members = append(q.members, member{"x", "1"})
	}
	switch r.IntN(16) {
	case 0: // drop a member
		i := pick()
		m := q.members[i]
		q.members = slices.Delete(q.members, i, i+1)
		note("dropped " + m.name)
		if q.refusedFor == m.name {
			q.refuse, q.refusedFor = "", ""
		}
		if required(m.name) {
			q.refuse = m.name + ", which is required, was dropped"
		}
		if binding(m.name) {
			q.refuse = "the context " + m.name + " was dropped"
		}
	case 1: // duplicate a member
		m := q.members[pick()]
		q.members = append(q.members, member{m.name, jsonString("dup")})
		q.lenient = true
		note("duplicated " + m.name)
	case 2: // retype a member
		i := pick()
		vals := []string{"123", "true", "null", "[]", "{}", `["x"]`, "1e400", "-0", `{"a":1}`}
		if strings.HasPrefix(q.members[i].raw, `"`) {
			vals = append(vals, "42")
		} else {
			vals = append(vals, `"false"`)
		}
		q.members[i].raw = vals[r.IntN(len(vals))]
		q.lenient = true
		note("retyped " + q.members[i].name)
	case 3: // oversize a member
		i := pick()
		size := []int{1024, 8193, 70000}[r.IntN(3)]
		z.retypedIfNotString(q, i)
		q.members[i].raw = jsonString(strings.Repeat("A", size))
		note(fmt.Sprintf("%s of %d characters", q.members[i].name, size))
		z.valueChanged(q, q.members[i].name)
	case 4: // random string
		i := pick()
		z.retypedIfNotString(q, i)
		q.members[i].raw = jsonString(z.randomString())
		note("random " + q.members[i].name)
		z.valueChanged(q, q.members[i].name)
	case 5: // invalid base64
		if i := z.index(q, n.blob); i >= 0 {
			q.members[i].raw = jsonString([]string{"***", "A", "====", "AAAA*AAA", "QUJD\nREVG"}[r.IntN(5)])
			note("invalid base64 " + n.blob)
			q.refuse = n.blob + " is not base64"
			return
		}
		z.mutateSpec(q)
	case 6: // wrong spec
		z.mutateSpec(q)
	case 7, 8: // flip or cut the ciphertext
		i := z.index(q, n.blob)
		if i < 0 {
			z.mutateSpec(q)
			return
		}
		var s string
		_ = json.Unmarshal([]byte(q.members[i].raw), &s)
		ct, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(ct) < 2 {
			return
		}
		if r.IntN(2) == 0 {
			bit := r.IntN(len(ct) * 8)
			ct[bit/8] ^= 1 << (bit % 8)
			note(fmt.Sprintf("bit %d of %s flipped", bit, n.blob))
		} else {
			cut := 1 + r.IntN(len(ct)-1)
			ct = ct[:len(ct)-cut]
			note(fmt.Sprintf("%d bytes cut off %s", cut, n.blob))
		}
		q.members[i].raw = jsonString(base64.StdEncoding.EncodeToString(ct))
		q.refuse = n.blob + " was tampered with"
	case 9: // change or inflate the context
		z.mutateContext(q)
	case 10: // an unknown member
		q.members = append(q.members, member{[]string{"Colour", "key_usage", "Pin", "__proto__", ""}[r.IntN(5)], jsonString("x")})
		q.lenient = true
		note("unknown member")
	case 11: // a member name in another case
		i := pick()
		q.members[i].name = strings.ToUpper(q.members[i].name)
		q.lenient = true
		note("upper-cased " + q.members[i].name)
	case 12: // cut the body
		b := q.encode()
		q.body = b[:r.IntN(len(b))]
		q.lenient = true
		note(fmt.Sprintf("body cut to %d bytes", len(q.body)))
	case 13: // corrupt a byte
		b := append([]byte(nil), q.encode()...)
		b[r.IntN(len(b))] = byte(r.IntN(256))
		q.body = b
		q.lenient = true
		note("a byte of the body replaced")
	case 14: // not an object
		q.body = []byte([]string{"", "[]", "null", `"x"`, "0", "{", "\xff\xfe", `{"a":1}{}`, strings.Repeat("[", 5000)}[r.IntN(9)])
		q.lenient = true
		note("not a JSON object")
	default: // huge context
		z.mutateContext(q)
	}
}

// retypedIfNotString marks q malformed when member i, about to become a
// string, was not one.
func (z *fuzzer) retypedIfNotString(q *fuzzRequest, i int) {
	if !strings.HasPrefix(q.members[i].raw, `"`) {
		q.lenient = true
	}
}

// index is the position of member name, -1 if absent.
func (z *fuzzer) index(q *fuzzRequest, name string) int {
	for i, m := range q.members {
		if m.name == name {
			return i
		}
	}
	return -1
}

// valueChanged marks the consequences of a member's new value.
func (z *fuzzer) valueChanged(q *fuzzRequest, name string) {
	n := z.names()
	before := q.refuse
	defer func() {
		if q.refuse != before {
			q.refusedFor = name
		}
	}()
	switch {
	case name == n.keyID && !q.decrypt, name == n.spec && !q.decrypt:
		q.refuse = name + " names nothing the target has"
	case name == n.spec && q.decrypt:
		q.refuse = "the key_spec hint is not the ciphertext's"
	case name == n.blob:
		q.refuse = n.blob + " is not a ciphertext of the target"
	case name == n.keyID && q.decrypt:
		q.refuse = "KeyId is not the ciphertext's key"
	case q.decrypt && (name == n.aad && n.aad != "" || name == n.ec && n.ec != ""):
		q.refuse = "the context is not the creation's"
	}
}

// mutateSpec replaces the key spec (or a decrypt's hint) by a junk one.
func (z *fuzzer) mutateSpec(q *fuzzRequest) {
	n := z.names()
	spec := junkSpecs[z.rng.IntN(len(junkSpecs))]
	i := z.index(q, n.spec)
	if i < 0 {
		if !q.decrypt || z.d == AWS {
			return
		}
		q.members = append(q.members, member{n.spec, ""})
		i = len(q.members) - 1
	}
	q.members[i].raw = jsonString(spec)
	q.mutation = append(q.mutation, fmt.Sprintf("%s %q", n.spec, spec))
	if spec == "" && q.decrypt {
		return // an empty hint is no hint
	}
	z.valueChanged(q, n.spec)
}

// mutateContext changes the context: another value, a pair more, a
// resplit of the same joined bytes, or a huge one.
func (z *fuzzer) mutateContext(q *fuzzRequest) {
	n := z.names()
	r := z.rng
	name := n.ec
	if z.d == Huawei {
		name = n.aad
	}
	i := z.index(q, name)
	if i < 0 {
		q.members = append(q.members, member{name, ""})
		i = len(q.members) - 1
	}
	var what string
	if z.d == Huawei {
		var aad string
		_ = json.Unmarshal([]byte(q.members[i].raw), &aad)
		switch r.IntN(3) {
		case 0:
			aad += "x"
			what = "another additional_authenticated_data"
		case 1:
			aad = strings.Repeat("z", 1000+r.IntN(100))
			what = fmt.Sprintf("additional_authenticated_data of %d bytes", len(aad))
		default:
			aad = z.randomString()
			what = "random additional_authenticated_data"
		}
		q.members[i].raw = jsonString(aad)
	} else {
		var ec map[string]string
		_ = json.Unmarshal([]byte(q.members[i].raw), &ec)
		if ec == nil {
			ec = map[string]string{}
		}
		switch r.IntN(4) {
		case 0:
			ec["fuzz"] += "x"
			what = "another EncryptionContext value"
		case 1:
			if alt := resplit(ec); alt != nil {
				ec = alt
				what = "the EncryptionContext split elsewhere (same joined bytes)"
			} else {
				ec["added"] = "pair"
				what = "a pair added to the EncryptionContext"
			}
		case 2:
			for k := range 200 + r.IntN(100) {
				ec["k"+strconv.Itoa(k)] = strings.Repeat("v", 20)
			}
			what = fmt.Sprintf("an EncryptionContext of %d pairs", len(ec))
		default:
			ec[z.randomString()] = z.randomString()
			what = "a random pair added to the EncryptionContext"
		}
		q.members[i].raw = jsonValue(ec)
	}
	q.mutation = append(q.mutation, what)
	z.valueChanged(q, name)
}

// randomString is a short string of random runes: ASCII, control
// characters, other planes, the replacement character.
func (z *fuzzer) randomString() string {
	r := z.rng
	var b strings.Builder
	for range r.IntN(40) {
		switch r.IntN(5) {
		case 0:
			b.WriteRune(rune(r.IntN(0x20)))
		case 1:
			b.WriteRune(rune(0x20 + r.IntN(0x5f)))
		case 2:
			b.WriteRune(rune(0x80 + r.IntN(0x700)))
		case 3:
			b.WriteRune(rune(0x10000 + r.IntN(0x1000)))
		default:
			b.WriteString([]string{"\uFFFD", "\u2028", "\u0000", "'", `"`, "\\", "{{key_id}}", "arn:aws:kms:::key/"}[r.IntN(8)])
		}
	}
	return b.String()
}
