package main

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFloors drives both floor servers with loadgen's own client and
// requests: each answers every request on a keep-alive connection with
// the canned body, whatever the request's body.
func TestFloors(t *testing.T) {
	answer := []byte(`{"KeyId":"k","KeyPairSpec":"ECC_NIST_P256","PublicKey":"cA==","PrivateKeyCiphertextBlob":"Yw==","PrivateKeyPlaintext":"cA=="}`)
	serve := map[string]func(ln net.Listener){
		floorHTTP: func(ln net.Listener) {
			_ = (&http.Server{Handler: floorHandler(answer, "application/x-amz-json-1.1"), ReadHeaderTimeout: time.Second}).Serve(ln)
		},
		floorTCP: func(ln net.Listener) {
			resp := cannedResponse(answer, "application/x-amz-json-1.1")
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go serveFloorTCP(c, resp)
			}
		},
	}
	for _, mode := range []string{floorHTTP, floorTCP} {
		t.Run(mode, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			t.Cleanup(func() { _ = ln.Close() })
			go serve[mode](ln)
			tg := &target{name: mode, dialect: "aws", host: ln.Addr().String(), keyID: "k",
				cred: credential{ak: "AK", sk: "SK", region: "us-east-1"}}
			c, err := dial(tg.host)
			require.NoError(t, err)
			defer c.close()
			for _, spec := range []string{"ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P256"} {
				c.out, err = tg.build(c.out[:0], tg.generate(spec), time.Now())
				require.NoError(t, err)
				status, err := c.roundTrip()
				require.NoError(t, err, spec)
				assert.Equal(t, http.StatusOK, status)
				assert.Equal(t, string(answer), string(c.body))
				assert.NoError(t, checkCreated(c.body))
			}
		})
	}
}
