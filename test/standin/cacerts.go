package main

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"sort"
)

// setupCACerts reports what the real entrypoint would add to the OS and Java
// trust stores: every ca-certs/*.crt (bundles allowed); *.pem files are
// ignored with the real entrypoint's warning.
func (a *app) setupCACerts() {
	dir := a.l.stacks("ca-certs")
	pems, _ := filepath.Glob(filepath.Join(dir, "*.pem"))
	if len(pems) > 0 {
		a.con.Printf("Looks like you have some '.pem' files in your 'ca-certs' folder. Please rename them to '.crt' to be picked up automatically.")
	}
	crts, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
	sort.Strings(crts)
	if len(crts) == 0 {
		a.con.Printf("No custom CA certificates found.")
		return
	}
	for _, f := range crts {
		n, err := countCerts(f)
		rel := "ca-certs/" + filepath.Base(f)
		switch {
		case err != nil:
			a.con.Printf("keytool error: %s: %v", rel, err)
		case n == 0:
			a.con.Printf("keytool error: java.lang.Exception: Input not an X.509 certificate: %s", rel)
		default:
			a.con.Printf("Adding custom CA certificate %s (%d certificate%s)", rel, n, map[bool]string{true: "", false: "s"}[n == 1])
		}
	}
}

func countCerts(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return n, nil
		}
		if blk.Type == "CERTIFICATE" {
			n++
		}
	}
}
