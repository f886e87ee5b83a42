package etcd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

func TestClientConfigString(t *testing.T) {
	c := ClientConfig{Endpoints: []string{"https://e:2379"}, Username: "u", Password: "hunter2"}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		assert.NotContains(t, s, "hunter2")
		assert.Contains(t, s, "<redacted>")
	}
}

func TestClientConfigTLSErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	for name, c := range map[string]ClientConfig{
		"missing CA file":  {CAFile: filepath.Join(dir, "none.pem")},
		"CA without PEM":   {CAFile: notPEM},
		"cert without key": {CertFile: notPEM},
		"key without cert": {KeyFile: notPEM},
		"unreadable cert":  {CertFile: notPEM, KeyFile: notPEM},
	} {
		_, err := c.TLS()
		assert.Error(t, err, name)
	}
	cfg, err := ClientConfig{}.TLS()
	assert.NoError(t, err)
	assert.Nil(t, cfg, "no TLS asked for")
	_, err = ClientConfig{}.Dial()
	assert.Error(t, err, "no endpoints")
}

// TestTLSAndAuth: a member that requires TLS client certificates and etcd
// authentication is reached with ClientConfig's CA, certificate, key, user
// and password, and refuses a client missing any of them.
func TestTLSAndAuth(t *testing.T) {
	dir := t.TempDir()
	files := writeTestPKI(t, dir)
	files.client = ClientConfig{CAFile: files.ca, CertFile: filepath.Join(dir, "client.pem"), KeyFile: filepath.Join(dir, "client-key.pem"), DialTimeout: 2 * time.Second}
	c := newTLSCluster(t, dir, files)
	ctx := context.Background()

	admin := c.client(t)
	_, err := admin.UserAdd(ctx, "root", "rootpw")
	require.NoError(t, err)
	_, err = admin.UserGrantRole(ctx, "root", "root")
	require.NoError(t, err)
	_, err = admin.AuthEnable(ctx)
	require.NoError(t, err)

	good := files.client
	good.Endpoints = c.Endpoints()
	good.Username, good.Password = "root", "rootpw"
	cli, err := good.Dial()
	require.NoError(t, err)
	defer cli.Close()
	s := openT(t, cli, "/tls/", testKEK(t))
	_, err = s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)

	for name, mut := range map[string]func(*ClientConfig){
		"no password":    func(c *ClientConfig) { c.Username, c.Password = "", "" },
		"wrong password": func(c *ClientConfig) { c.Password = "nope" },
		"no client cert": func(c *ClientConfig) { c.CertFile, c.KeyFile = "", "" },
		"no CA":          func(c *ClientConfig) { c.CAFile = "" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := good
			mut(&cfg)
			cli, err := cfg.Dial()
			if err == nil {
				defer cli.Close()
				rctx, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				_, err = Open(rctx, cli, testKEK(t), WithPrefix("/tls/"), WithRequestTimeout(time.Second))
			}
			assert.Error(t, err)
		})
	}
}

// writeTestPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate (PEM) into dir.
func writeTestPKI(t *testing.T, dir string) *serverTLS {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ecdkp test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "ecdkp-" + name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		require.NoError(t, err)
		writePEM(t, filepath.Join(dir, name+".pem"), "CERTIFICATE", der)
		kder, err := x509.MarshalECPrivateKey(key)
		require.NoError(t, err)
		writePEM(t, filepath.Join(dir, name+"-key.pem"), "EC PRIVATE KEY", kder)
	}
	issue("server", 2, x509.ExtKeyUsageServerAuth)
	issue("client", 3, x509.ExtKeyUsageClientAuth)
	return &serverTLS{cert: filepath.Join(dir, "server.pem"), key: filepath.Join(dir, "server-key.pem"), ca: filepath.Join(dir, "ca.pem")}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
}
