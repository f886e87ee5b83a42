package auth

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fast paths must compute exactly what the plain code they replaced
// did: these tests hold each against that code, kept here as the
// reference.

func TestParseSigningTimeMatchesTimeParse(t *testing.T) {
	inputs := []string{
		"20150830T123600Z", "20240229T000000Z", "20230229T000000Z", "21000229T000000Z", "20000229T235959Z",
		"00000101T000000Z", "99991231T235959Z", "20150830T240000Z", "20150830T126000Z", "20150830T123660Z",
		"20151330T123600Z", "20150030T123600Z", "20150800T123600Z", "20150431T000000Z", "20150430T000000Z",
		"20150830t123600Z", "20150830T123600z", "2015083T123600Z", "20150830T1236000Z", "+0150830T123600Z",
		"2015-830T123600Z", "20150830T12 600Z", "", "20150830T123600Z ", "２0150830T123600Z",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := []byte(fmt.Sprintf("%04d%02d%02dT%02d%02d%02dZ", rng.IntN(10000), rng.IntN(14), rng.IntN(33), rng.IntN(26), rng.IntN(62), rng.IntN(62)))
		if rng.IntN(10) == 0 {
			b[rng.IntN(len(b))] = byte(rng.IntN(128))
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		want, err := time.Parse(DateFormat, s)
		wantOK := err == nil && want.Format(DateFormat) == s
		got, ok := parseSigningTime(s)
		require.Equal(t, wantOK, ok, "%q", s)
		if ok {
			require.True(t, want.Equal(got), "%q: %v, want %v", s, got, want)
			require.Equal(t, time.UTC, got.Location())
		}
	}
}

// canonicalHeadersRef is canonicalHeaders as it was: a map of every
// header by its lower-case name.
func canonicalHeadersRef(h http.Header, host string, signed []string) (string, error) {
	byName := make(map[string][]string, len(h))
	for k, v := range h {
		lk := strings.ToLower(k)
		byName[lk] = append(byName[lk], v...)
	}
	var b strings.Builder
	for _, name := range signed {
		vals := byName[name]
		if name == "host" {
			vals = []string{host}
		}
		if len(vals) == 0 {
			return "", fmt.Errorf("signed header %q is not in the request", clip(name))
		}
		vals = slices.Clone(vals)
		for i := range vals {
			vals[i] = strings.TrimSpace(vals[i])
		}
		slices.Sort(vals)
		for _, v := range vals {
			b.WriteString(name + ":" + v + "\n")
		}
	}
	return b.String(), nil
}

// canonicalHeadersV4Ref is canonicalHeadersV4 as it was.
func canonicalHeadersV4Ref(h http.Header, host, contentLength string, signed []string) (string, error) {
	var b strings.Builder
	for _, name := range signed {
		var vals []string
		switch name {
		case "host":
			if host != "" {
				vals = []string{host}
			}
		case "content-length":
			if contentLength != "" {
				vals = []string{contentLength}
			}
		default:
			var keys []string
			for k := range h {
				if strings.EqualFold(k, name) {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				vals = append(vals, h[k]...)
			}
		}
		if len(vals) == 0 {
			return "", fmt.Errorf("signed header %q is not in the request", clip(name))
		}
		b.WriteString(name + ":")
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(collapseSpaces(v))
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// randomHeaders makes header maps with canonical, lower-case and odd
// spellings of a few names, repeated values and spaces.
func randomHeaders(rng *rand.Rand) (http.Header, []string) {
	names := []string{"x-sdk-date", "x-amz-date", "content-type", "x-ecdkp-nonce", "x-amz-target", "host", "content-length", "x-a"}
	spell := func(n string) string {
		switch rng.IntN(4) {
		case 0:
			return http.CanonicalHeaderKey(n)
		case 1:
			return n
		case 2:
			return strings.ToUpper(n)
		}
		return strings.Replace(n, "k", "\u212a", 1) // the Kelvin sign folds to k
	}
	vals := []string{"v", " v ", "a  b", "\tx\t", "", "z", "a   b  c"}
	h := http.Header{}
	for range rng.IntN(8) {
		n := spell(names[rng.IntN(len(names))])
		for range 1 + rng.IntN(2) {
			h[n] = append(h[n], vals[rng.IntN(len(vals))])
		}
	}
	var signed []string
	for _, n := range names {
		if rng.IntN(2) == 0 {
			signed = append(signed, n)
		}
	}
	slices.Sort(signed)
	return h, signed
}

func TestCanonicalHeadersMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		h, signed := randomHeaders(rng)
		host := []string{"", "example.com", " h "}[rng.IntN(3)]
		want, wantErr := canonicalHeadersRef(h, host, signed)
		got, err := canonicalHeaders(h, host, signed)
		require.Equal(t, wantErr, err, "%v %v", h, signed)
		require.Equal(t, want, got, "%v %v", h, signed)

		cl := []string{"", "12"}[rng.IntN(2)]
		want, wantErr = canonicalHeadersV4Ref(h, host, cl, signed)
		got, err = canonicalHeadersV4(h, host, cl, signed)
		require.Equal(t, wantErr, err, "%v %v", h, signed)
		require.Equal(t, want, got, "%v %v", h, signed)
	}
}

func TestSignedV4MatchesReference(t *testing.T) {
	signed := []string{"host", "x-amz-date", "x-amz-target"}
	for _, k := range []string{"X-Amz-Date", "x-amz-date", "X-AMZ-TARGET", "X-Amz-Other", "X-Amz-", "X-Am", "Content-Type",
		"X-Amz-\u212ae", "x-amz-tar\u212aet", "\u212a-amz-date", "X-Amz-Targét", ""} {
		lk := strings.ToLower(k)
		want := !strings.HasPrefix(lk, "x-amz-") || slices.Contains(signed, lk)
		assert.Equal(t, want, signedV4(k, signed), "%q", k)
	}
}

// TestCanonicalRequestPaths checks the plain-path shortcut against the
// segment-by-segment encoding.
func TestCanonicalRequestPaths(t *testing.T) {
	for _, p := range []string{"/", "", "/v1.0/0123/kms/create-ec-datakey-pair", "/a/b/", "/a%20b", "/a b", "/%2F", "/~x_y.z-", "/a//b", "/%zz"} {
		u := &url.URL{Path: p}
		if strings.Contains(p, "%") {
			var err error
			u, err = url.Parse("http://h" + p)
			if err != nil {
				continue
			}
		}
		uri, wantErr := canonicalURI(u)
		want := "POST\n" + uri + "\n\n\n\nhash"
		got, err := canonicalRequest("POST", u, "", http.Header{}, nil, "hash")
		if wantErr != nil {
			assert.Error(t, err, p)
			continue
		}
		require.NoError(t, err, p)
		assert.Equal(t, want, got, p)
	}
}

func TestSigningKeyCache(t *testing.T) {
	var c v4KeyCache
	id := v4KeyID{accessKey: "AK", secret: "s1", date: "20150830", region: "us-east-1", service: "kms"}
	want := deriveSigningKeyV4(id.secret, id.date, id.region, id.service)
	assert.Equal(t, want, c.signingKey(id), "miss")
	assert.Equal(t, want, c.signingKey(id), "hit")
	other := id
	other.secret = "s2" // a changed secret never meets the old key
	assert.NotEqual(t, want, c.signingKey(other))
	for i := range maxV4Keys + 10 {
		k := id
		k.accessKey = fmt.Sprint(i)
		c.signingKey(k)
	}
	assert.LessOrEqual(t, len(c.m), maxV4Keys, "bounded")
	assert.Equal(t, want, c.signingKey(id))
}

// TestSigningKeyCacheHoldsNoLongAccessKeys: the signing key cache holds
// entries for unknown access keys too (so that its timing does not tell
// which exist), so what an unauthenticated caller can make it hold must be
// small: an access key longer than any credential's is derived every time
// and never kept. Without the bound, 1024 requests with 60 KiB access keys
// (serve's header limit is 64 KiB) held 60 MiB.
func TestSigningKeyCacheHoldsNoLongAccessKeys(t *testing.T) {
	a := testV4Authenticator()
	body := []byte(`{}`)
	const n, long = 64, 16 << 10
	for i := range n {
		ak := fmt.Sprintf("%0*d", long, i)
		r := v4ServerRequest(t, awsTarget, body, testNow)
		require.NoError(t, SignV4(r, body, ak, "any", awsRegion, "kms", testNow))
		_, err := a.Authenticate(r, body)
		require.ErrorIs(t, err, ErrUnauthenticated)
		assert.Contains(t, err.Error(), mismatch, "the same answer as any unknown access key")
	}
	held := 0
	for id := range a.keys.m {
		held += len(id.accessKey)
	}
	assert.LessOrEqual(t, held, n*maxCachedAccessKeyLen, "bytes of access keys the cache holds")

	// A known access key is still cached, and its signatures verify.
	r := v4ServerRequest(t, awsTarget, body, testNow)
	_, err := a.Authenticate(r, body)
	require.NoError(t, err)
	assert.Contains(t, a.keys.m, v4KeyID{accessKey: testAK, secret: testSK, date: "20260304", region: awsRegion, service: "kms"})
}
