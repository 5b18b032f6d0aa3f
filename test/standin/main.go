// Command standin imitates the Appsmith container image for end-to-end tests:
// exactly the behaviour APPSMITH.md describes (health and /info, docker.env
// generation, the stacks layout, supervisorctl, an embedded "MongoDB" with a
// version, a featureCompatibilityVersion and a small document store, the
// mongosh, mongodump and mongorestore tools and `appsmithctl mongo-eval`
// that drive it, checkpoint enforcement), plus fault modes baked in at image
// build time. Nothing more: the product must drive it
// as it would drive the real image.
//
// It is one static binary installed under several names; argv[0] picks the
// role, because the image has no shell to hold wrapper scripts.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(filepath.Base(os.Args[0]), os.Args[1:]))
}

func run(role string, args []string) int {
	switch role {
	case "entrypoint.sh":
		return entrypoint(imageLayout)
	case "supervisorctl":
		return supervisorctl(imageLayout, args, os.Stdout)
	case "appsmithctl":
		return appsmithctl(imageLayout, args, os.Stdout, os.Stderr)
	case "healthcheck":
		return healthcheck()
	case "mongosh":
		return mongosh(imageLayout, args, os.Stdout, os.Stderr)
	case "mongodump":
		return mongodump(imageLayout, args, os.Stdout, os.Stderr)
	case "mongorestore":
		return mongorestore(imageLayout, args, os.Stdin, os.Stderr)
	}
	fmt.Fprintf(os.Stderr, "standin: unknown role %q (install me as entrypoint.sh, supervisorctl, appsmithctl, healthcheck, mongosh, mongodump, mongorestore)\n", role)
	return 2
}

func pid() int { return os.Getpid() }
