// Package httpbody reads the bounded request bodies of the dialect
// handlers (provider/huawei, provider/aws), refusing them as the provider's
// failures: too large, canceled, or unreadable.
package httpbody

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/ecdkp/ecdkp/provider"
)

// Read reads r's body, of at most max bytes: a Content-Length or a body
// over max is FailRequestTooLarge, a request canceled while reading is
// FailCanceled, any other read error FailMalformedJSON.
func Read(r *http.Request, max int) ([]byte, *provider.Error) {
	if r.ContentLength > int64(max) {
		return nil, provider.Errorf(provider.FailRequestTooLarge, "request body is %d bytes, more than %d", r.ContentLength, max)
	}
	body, eof, err := readAtMost(r.Body, r.ContentLength, int64(max)+1)
	if eof {
		// Read to its end: closing it spares the server discarding
		// the rest.
		_ = r.Body.Close()
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, provider.Wrapf(provider.FailCanceled, err, "request canceled while reading the body")
		}
		return nil, provider.Wrapf(provider.FailMalformedJSON, err, "reading the request body failed")
	}
	if len(body) > max {
		return nil, provider.Errorf(provider.FailRequestTooLarge, "request body is more than %d bytes", max)
	}
	return body, nil
}

// readAtMost reads r to its end or to limit bytes, as
// io.ReadAll(io.LimitReader(r, limit)) does, into one buffer sized for
// length (the request's Content-Length, when known) and one byte more, so
// a body of the announced length is read without growing it. eof says the
// end of r was seen.
func readAtMost(r io.Reader, length, limit int64) (_ []byte, eof bool, _ error) {
	size := int64(512)
	if length > 0 {
		size = min(length+1, limit)
	}
	b := make([]byte, 0, size)
	for int64(len(b)) < limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, true, nil
		}
		if err != nil {
			return b, false, err
		}
	}
	return b, false, nil
}
