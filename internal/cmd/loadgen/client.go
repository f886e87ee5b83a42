package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/ecdkp/ecdkp/provider/auth"
)

// A target is one server and the dialect it is driven in. build makes a
// request of one spec, signed anew (with a fresh nonce) every time, so no
// two requests carry the same signature.
type target struct {
	name string // e.g. "ecdkp-aws"
	// server is "ecdkp" or "local-kms"; dialect "aws" or "huawei".
	server, dialect string
	host            string // host:port on 127.0.0.1
	pid             int    // the server's process, for /proc
	metricsURL      string // ecdkp's /metrics, "" for none
	pprofAddr       string // ecdkp's --pprof-addr, "" for none
	cred            credential
	keyID           string // the master key (for AWS: its id or ARN)
	project         string // the Huawei project of the key
}

// credential is how requests authenticate.
type credential struct {
	ak, sk, region string
	token          string // Huawei X-Auth-Token instead of AK/SK
}

// operation names the request a target gets.
type operation struct {
	awsTarget string // X-Amz-Target, for the AWS dialect
	body      []byte
}

// generate is the create request of one spec in the target's dialect.
func (t *target) generate(spec string) operation {
	if t.dialect == "aws" {
		b, _ := json.Marshal(map[string]string{"KeyId": t.keyID, "KeyPairSpec": spec})
		return operation{awsTarget: "TrentService.GenerateDataKeyPair", body: b}
	}
	b, _ := json.Marshal(map[string]string{"key_id": t.keyID, "key_spec": spec})
	return operation{body: b}
}

// build appends one signed HTTP/1.1 request for op to dst.
func (t *target) build(dst []byte, op operation, now time.Time) ([]byte, error) {
	r := &http.Request{Method: http.MethodPost, Host: t.host, Header: make(http.Header, 8), ContentLength: int64(len(op.body))}
	if t.dialect == "aws" {
		r.URL = &url.URL{Scheme: "http", Host: t.host, Path: "/"}
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", op.awsTarget)
		auth.SetNonce(r.Header)
		if err := auth.SignV4(r, op.body, t.cred.ak, t.cred.sk, t.cred.region, "kms", now); err != nil {
			return dst, err
		}
	} else {
		r.URL = &url.URL{Scheme: "http", Host: t.host, Path: "/v1.0/" + t.project + "/kms/create-ec-datakey-pair"}
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
		if t.cred.token != "" {
			r.Header.Set("X-Auth-Token", t.cred.token)
		} else {
			auth.SetNonce(r.Header)
			if err := auth.Sign(r, op.body, t.cred.ak, t.cred.sk, now); err != nil {
				return dst, err
			}
		}
	}
	dst = append(dst, "POST "...)
	dst = append(dst, r.URL.EscapedPath()...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, r.Host...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, r.ContentLength, 10)
	dst = append(dst, "\r\n"...)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			dst = append(append(append(append(dst, k...), ": "...), v...), "\r\n"...)
		}
	}
	dst = append(dst, "\r\n"...)
	return append(dst, op.body...), nil
}

// conn is one keep-alive connection speaking just enough HTTP/1.1 for
// these requests: the client's own cost stays small, so the two cores go
// to the server under test.
type conn struct {
	c   net.Conn
	br  *bufio.Reader
	out []byte
	// body is the last response's body, valid until the next call.
	body []byte
}

func dial(host string) (*conn, error) {
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, br: bufio.NewReaderSize(c, 16<<10)}, nil
}

func (c *conn) close() { _ = c.c.Close() }

// roundTrip sends a request already in c.out and reads the answer: its
// status and body (in c.body).
func (c *conn) roundTrip() (int, error) {
	_ = c.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.c.Write(c.out); err != nil {
		return 0, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, fmt.Errorf("loadgen: bad status line %q", clip(line))
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("loadgen: bad status line %q", clip(line))
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, val, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, fmt.Errorf("loadgen: bad header line %q", clip(h))
		}
		val = bytes.TrimSpace(val)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(val)); err != nil {
				return 0, fmt.Errorf("loadgen: bad Content-Length %q", clip(val))
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(val, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(val, []byte("close"))
		}
	}
	c.body = c.body[:0]
	switch {
	case chunked:
		if err := c.readChunked(); err != nil {
			return 0, err
		}
	case length >= 0:
		c.body = slices.Grow(c.body, length)[:length]
		if _, err := io.ReadFull(c.br, c.body); err != nil {
			return 0, err
		}
	default:
		return 0, errors.New("loadgen: response has neither Content-Length nor chunked encoding")
	}
	if closing {
		return status, errClosed
	}
	return status, nil
}

// errClosed is a response after which the server closes the connection.
var errClosed = errors.New("loadgen: the server closed the connection")

func (c *conn) readChunked() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil || n < 0 {
			return fmt.Errorf("loadgen: bad chunk size %q", clip(line))
		}
		if n == 0 {
			for { // trailers, then the blank line
				t, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		start := len(c.body)
		c.body = slices.Grow(c.body, int(n))[:start+int(n)]
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return err
		}
		if _, err := c.br.Discard(2); err != nil {
			return err
		}
	}
}

// call sends op once on a fresh connection and decodes a 200 answer into
// out (nil: ignored); another status is an error naming the body.
func (t *target) call(op operation, out any) error {
	c, err := dial(t.host)
	if err != nil {
		return err
	}
	defer c.close()
	if c.out, err = t.build(c.out[:0], op, time.Now()); err != nil {
		return err
	}
	status, err := c.roundTrip()
	if err != nil && !errors.Is(err, errClosed) {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("loadgen: %s answered %d: %s", t.name, status, clip(c.body))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(c.body, out)
}

// checkCreated checks a create answer holds a public key, a ciphertext and
// the plaintext private key, in either dialect.
func checkCreated(body []byte) error {
	var r map[string]any
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("loadgen: answer is not JSON: %w", err)
	}
	for _, names := range [][2]string{{"PublicKey", "public_key"}, {"PrivateKeyCiphertextBlob", "private_key_cipher_text"}, {"PrivateKeyPlaintext", "private_key_plain_text"}} {
		a, _ := r[names[0]].(string)
		b, _ := r[names[1]].(string)
		if a == "" && b == "" {
			return fmt.Errorf("loadgen: answer lacks %s", names[0])
		}
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
