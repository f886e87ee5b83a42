package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ecdkp/ecdkp/internal/peerreport"
)

// The floor servers answer every request with the same canned body (a
// real answer of ecdkp, captured by peer) and do nothing else: no parsing
// of the body, no signature check, no key generation, no logs. Driven like
// the real servers, their CPU per request is what the transport alone
// costs on this machine, the part of a request no KMS work can remove:
//
//	floor-http  net/http with the timeouts of ecdkp serve, reading the body
//	floor-tcp   a bare loop on the socket: one read and one write a request
const (
	floorHTTP = peerreport.FloorHTTP
	floorTCP  = peerreport.FloorTCP
)

// runFloor serves -mode's floor on 127.0.0.1 until killed, and logs its
// address as ecdkp does ({"msg":"serving","addr":...} on stderr).
func runFloor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	mode := fs.String("mode", floorHTTP, floorHTTP+" or "+floorTCP)
	answerPath := fs.String("answer", "", "the file holding the body of every answer")
	contentType := fs.String("content-type", "application/x-amz-json-1.1", "the answers' Content-Type")
	_ = fs.Parse(args)
	answer, err := os.ReadFile(*answerPath)
	if err != nil {
		return fmt.Errorf("-answer: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	log.Info("serving", "addr", ln.Addr().String(), "mode", *mode)
	switch *mode {
	case floorHTTP:
		srv := &http.Server{
			Handler:           floorHandler(answer, *contentType),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
		}
		return srv.Serve(ln)
	case floorTCP:
		resp := cannedResponse(answer, *contentType)
		for {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			go serveFloorTCP(c, resp)
		}
	default:
		return fmt.Errorf("-mode: %q is neither %s nor %s", *mode, floorHTTP, floorTCP)
	}
}

// floorHandler reads the request's body and answers answer.
func floorHandler(answer []byte, contentType string) http.Handler {
	length := strconv.Itoa(len(answer))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{contentType}
		h["Content-Length"] = []string{length}
		_, _ = w.Write(answer)
	})
}

// cannedResponse is the whole HTTP/1.1 response carrying answer.
func cannedResponse(answer []byte, contentType string) []byte {
	resp := fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", contentType, len(answer))
	return append(resp, answer...)
}

// serveFloorTCP answers each request on c with resp: it reads the header
// lines up to the blank one, skips Content-Length bytes of body and
// writes resp in one call. It is for loadgen's own requests, which carry a
// Content-Length and no chunked body.
func serveFloorTCP(c net.Conn, resp []byte) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		length := 0
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			line = bytes.TrimRight(line, "\r\n")
			if len(line) == 0 {
				break
			}
			if name, val, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
				if length, err = strconv.Atoi(string(bytes.TrimSpace(val))); err != nil || length < 0 {
					return
				}
			}
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}

// startFloor starts loadgen itself as the floor server of mode, answering
// answer, and returns it and its address.
func startFloor(mode, dir string, answer []byte) (*server, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	answerPath := filepath.Join(dir, "floor-answer.json")
	if err := os.WriteFile(answerPath, answer, 0o600); err != nil {
		return nil, "", err
	}
	var addr string
	s, err := start(self, []string{"floor", "-mode", mode, "-answer", answerPath}, nil, filepath.Join(dir, mode+".log"), func(b []byte) bool {
		addrs, ok := ecdkpLines(b, "serving")
		addr = addrs["serving"]
		return ok
	})
	if err != nil {
		return nil, "", err
	}
	return s, addr, nil
}

// captureAnswer is the body of one answer of t to a create request of
// spec, checked to be a created pair.
func captureAnswer(t *target, spec string) ([]byte, error) {
	var raw json.RawMessage
	if err := t.call(t.generate(spec), &raw); err != nil {
		return nil, err
	}
	if err := checkCreated(raw); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, errors.New("loadgen: empty answer")
	}
	return raw, nil
}
