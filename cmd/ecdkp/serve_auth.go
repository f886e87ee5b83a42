package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ecdkp/ecdkp/provider/auth"
)

// authFlags are serve's credential flags. Secrets come from the
// environment or from files; one given on argv is refused (other users of
// the machine can read a process's arguments).
type authFlags struct {
	token, tokenFile     *string
	ak, sk, skFile       *string
	credentials          *string
	allowUnauthenticated *bool
}

func addAuthFlags(fs interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
}) authFlags {
	return authFlags{
		token:                fs.String("token", "", "refused: a token on argv is visible to other users; give it in $ECDKP_TOKEN or --token-file"),
		tokenFile:            fs.String("token-file", "", "accept the X-Auth-Token in this file, for every project (or $ECDKP_TOKEN)"),
		ak:                   fs.String("ak", "", "accept requests signed with this access key (AK/SK and SigV4), for every project"),
		sk:                   fs.String("sk", "", "refused: a secret on argv is visible to other users; give it in $ECDKP_SK or --sk-file"),
		skFile:               fs.String("sk-file", "", "read the access key's secret from this file (or $ECDKP_SK)"),
		credentials:          fs.String("credentials", "", "JSON file of tokens and access keys, each bound to a principal and its projects"),
		allowUnauthenticated: fs.Bool("allow-unauthenticated", false, "serve without authentication (only on a loopback address)"),
	}
}

// credentialSet is what serve authenticates against.
type credentialSet struct {
	tokens     auth.TokenLookup     // nil: no token accepted
	accessKeys auth.AccessKeyLookup // nil: no signature accepted
	// summary describes the credentials for the start log, without
	// secrets.
	summary []string
}

// load assembles the credentials.
func (a authFlags) load(e *env) (credentialSet, error) {
	var c credentialSet
	var entries []auth.Credential
	token, err := secret(e, "--token", *a.token, "ECDKP_TOKEN", *a.tokenFile)
	if err != nil {
		return c, err
	}
	if token != "" {
		entries = append(entries, auth.Credential{Principal: "token", Token: token})
		c.summary = append(c.summary, "token (every project)")
	}
	sk, err := secret(e, "--sk", *a.sk, "ECDKP_SK", *a.skFile)
	if err != nil {
		return c, err
	}
	switch {
	case *a.ak != "" && sk == "":
		return c, errors.New("--ak needs its secret: $ECDKP_SK or --sk-file")
	case *a.ak == "" && *a.skFile != "":
		return c, errors.New("--sk-file needs its --ak")
	case *a.ak != "":
		entries = append(entries, auth.Credential{Principal: *a.ak, AccessKey: *a.ak, SecretKey: sk})
		c.summary = append(c.summary, "access key "+*a.ak+" (every project)")
	}
	if *a.credentials != "" {
		file, err := auth.LoadCredentials(*a.credentials)
		if err != nil {
			return c, err
		}
		if len(entries) > 0 {
			var given []string
			if token != "" {
				given = append(given, "a token ($ECDKP_TOKEN or --token-file)")
			}
			if *a.ak != "" {
				given = append(given, "--ak")
			}
			return c, fmt.Errorf("--credentials replaces the dev-loop credentials, and %s is given too: unset it, or put it in the file",
				strings.Join(given, " and "))
		}
		tokens, keys := file.Counts()
		c.summary = append(c.summary, fmt.Sprintf("%s: %d tokens, %d access keys, principals %s", *a.credentials, tokens, keys, strings.Join(file.Principals(), ",")))
		c.tokens, c.accessKeys = file, file
		return c, nil
	}
	if len(entries) == 0 {
		return c, nil
	}
	creds, err := auth.NewCredentials(entries...)
	if err != nil {
		return c, err
	}
	if token != "" {
		c.tokens = creds
	}
	if *a.ak != "" {
		c.accessKeys = creds
	}
	return c, nil
}

// secret returns a secret from its file or its environment variable; more
// than one is an error, and so is one given as the flag's value (argv):
// serve takes no secret from its command line.
func secret(e *env, flagName, flagValue, envName, file string) (string, error) {
	env := e.getenv(envName)
	switch {
	case flagValue != "":
		// Refused first, whatever else is set: the flag is never one of
		// the ways to give it.
		return "", fmt.Errorf("%s: a secret on the command line is visible to every user of this machine (ps) and kept in shell histories; give it in $%s or %s-file", flagName, envName, flagName)
	case env != "" && file != "":
		return "", fmt.Errorf("give the secret of %s once: $%s or %s-file, not both", flagName, envName, flagName)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s-file: %w", flagName, err)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if s == "" {
			return "", fmt.Errorf("%s-file %s is empty", flagName, file)
		}
		return s, nil
	case env != "":
		return env, nil
	}
	return "", nil
}
