package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
)

// netFlags are serve's listener flags.
type netFlags struct {
	addr            *string
	tlsCert, tlsKey *string
	insecureHTTP    *bool
	maxConns        *int
}

func addNetFlags(fs interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
	Int(name string, value int, usage string) *int
}) netFlags {
	return netFlags{
		addr:         fs.String("addr", "127.0.0.1:8080", "listen address"),
		tlsCert:      fs.String("tls-cert", "", "serve HTTPS with this PEM certificate chain"),
		tlsKey:       fs.String("tls-key", "", "the PEM private key of --tls-cert"),
		insecureHTTP: fs.Bool("insecure-http", false, "serve plain HTTP on an address that is not loopback"),
		maxConns:     fs.Int("max-conns", 1024, "most connections open at once; more wait to be accepted"),
	}
}

// isLoopback reports whether a listen address only accepts local
// connections: 127.0.0.0/8, ::1 or localhost (an empty host listens on
// every interface).
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listen opens the listener: TLS when a certificate is given, plain HTTP
// only on loopback or with --insecure-http, at most --max-conns at once.
func (n netFlags) listen() (net.Listener, bool, error) {
	if (*n.tlsCert == "") != (*n.tlsKey == "") {
		return nil, false, errors.New("--tls-cert and --tls-key go together")
	}
	useTLS := *n.tlsCert != ""
	if !useTLS && !*n.insecureHTTP && !isLoopback(*n.addr) {
		return nil, false, fmt.Errorf("refusing plain HTTP on %s, which is not a loopback address: give --tls-cert and --tls-key, or --insecure-http behind a TLS proxy", *n.addr)
	}
	if *n.maxConns < 1 {
		return nil, false, errors.New("--max-conns must be at least 1")
	}
	var cfg *tls.Config
	if useTLS {
		cert, err := tls.LoadX509KeyPair(*n.tlsCert, *n.tlsKey)
		if err != nil {
			return nil, false, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", *n.addr)
	if err != nil {
		return nil, false, err
	}
	ln = limitListener(ln, *n.maxConns)
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	return ln, useTLS, nil
}

// limitListener accepts at most n connections at once; Accept waits for a
// slot, so the rest queue in the kernel's backlog.
func limitListener(l net.Listener, n int) net.Listener {
	return &limitedListener{Listener: l, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limitedListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitedListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
