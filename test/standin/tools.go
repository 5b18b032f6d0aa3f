package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// appsmithctl answers the subcommands the stand-in models; the rest fail
// clearly so a test never mistakes a missing feature for a working one.
func appsmithctl(l layout, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: appsmithctl <command>")
		return 1
	}
	switch args[0] {
	case "version":
		info, _, err := l.readInfo()
		if err != nil || info.Version == "" {
			fmt.Fprintln(stderr, "Error: could not find the current Appsmith version")
			return 1
		}
		fmt.Fprintln(stdout, info.Version)
		return 0
	case "mongo-eval":
		return mongoEval(l, args[1:], stdout, stderr)
	case "backup", "restore", "export_db", "ex", "import_db", "im", "check_replica_set", "check-replica-set", "crs":
		fmt.Fprintf(stderr, "appsmithctl %s: not implemented in the stand-in yet\n", args[0])
		return 1
	}
	fmt.Fprintf(stderr, "appsmithctl: unknown command %q\n", args[0])
	return 1
}

// mongoEval is `appsmithctl mongo-eval EXPR [--pretty]`: mongosh on
// APPSMITH_DB_URL from docker.env (and the container environment), without
// --quiet, as appsmithctl runs it.
func mongoEval(l layout, args []string, stdout, stderr io.Writer) int {
	var expr string
	for _, a := range args {
		if a != "--pretty" && expr == "" {
			expr = a
		}
	}
	if strings.TrimSpace(expr) == "" {
		fmt.Fprintln(stderr, "Please provide a query expression, e.g. appsmithctl mongo-eval 'db.users.countDocuments()'")
		return 1
	}
	env, err := loadEnv(l, &console{w: io.Discard}, os.Environ())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return mongosh(l, []string{env["APPSMITH_DB_URL"], "--eval=" + strings.TrimSpace(expr)}, stdout, stderr)
}

// healthcheck is the image's HEALTHCHECK command.
func healthcheck() int {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://127.0.0.1/api/v1/health")
	if err != nil {
		fmt.Println("ERROR:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Println("ERROR: health returned", resp.Status)
		return 1
	}
	return 0
}
