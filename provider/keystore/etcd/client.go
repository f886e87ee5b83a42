package etcd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// ClientConfig is how to reach an etcd cluster: what `ecdkp serve
// --keystore etcd` takes from its flags and environment. Dial makes the
// client; a program with its own *clientv3.Client passes that to Open
// instead.
type ClientConfig struct {
	// Endpoints are the members' client URLs (http://host:port, or https://
	// with TLS); a bare host:port is dialed as given.
	Endpoints []string
	// CAFile verifies the members' certificates (PEM); set, it turns TLS
	// on. Empty with CertFile set: the system roots.
	CAFile string
	// CertFile and KeyFile are the client's certificate and key (PEM), for
	// members that require client certificates.
	CertFile, KeyFile string
	// ServerName overrides the name checked in the members' certificates.
	ServerName string
	// Username and Password authenticate to etcd (etcd auth must be
	// enabled on the cluster, or etcd refuses them).
	Username, Password string
	// DialTimeout bounds the first connection; 0 means 5 s.
	DialTimeout time.Duration
}

// String redacts the password.
func (c ClientConfig) String() string {
	pw := ""
	if c.Password != "" {
		pw = "<redacted>"
	}
	return fmt.Sprintf("etcd.ClientConfig{Endpoints: %q, CAFile: %q, CertFile: %q, KeyFile: %q, ServerName: %q, Username: %q, Password: %s, DialTimeout: %s}",
		c.Endpoints, c.CAFile, c.CertFile, c.KeyFile, c.ServerName, c.Username, pw, c.DialTimeout)
}

// GoString redacts the password in %#v too.
func (c ClientConfig) GoString() string { return c.String() }

// TLS returns the TLS configuration of c, nil when c asks for none.
func (c ClientConfig) TLS() (*tls.Config, error) {
	if c.CAFile == "" && c.CertFile == "" && c.KeyFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("etcd: reading the CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd: the CA file %s holds no PEM certificate", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, errors.New("etcd: a client certificate needs both CertFile and KeyFile")
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("etcd: loading the client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// Dial makes an etcd client from c. It does not wait for a member to
// answer: the first request (Open's) does. The client logs nothing; the
// store reports what matters through its own logger.
func (c ClientConfig) Dial() (*clientv3.Client, error) {
	if len(c.Endpoints) == 0 {
		return nil, errors.New("etcd: no endpoints")
	}
	tlsCfg, err := c.TLS()
	if err != nil {
		return nil, err
	}
	timeout := c.DialTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:            c.Endpoints,
		TLS:                  tlsCfg,
		Username:             c.Username,
		Password:             c.Password,
		DialTimeout:          timeout,
		DialKeepAliveTime:    2 * time.Second,
		DialKeepAliveTimeout: 2 * time.Second,
		PermitWithoutStream:  true,
		Logger:               zap.NewNop(),
		// Reconnect to a member that comes back within a second or two,
		// not after gRPC's default backoff of up to two minutes.
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: time.Second,
		})},
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: connecting to %v: %w", c.Endpoints, err)
	}
	return cli, nil
}
