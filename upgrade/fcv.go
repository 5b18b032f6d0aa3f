package upgrade

import (
	"context"
	"io"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// Execer runs a command inside a container: all the FCV reading needs.
type Execer interface {
	Exec(ctx context.Context, id string, cmd []string, env []string, stdin io.Reader) (docker.ExecResult, error)
}

// ReadFCV is the featureCompatibilityVersion ("6.0") of the embedded
// MongoDB of the running container id, read with the image's own
// appsmithctl (mongosh on docker.env's URL, inside the container: no secret
// passes through this process). The upgrade's check step and doctor read it
// the same way.
func ReadFCV(ctx context.Context, d Execer, id string) (string, error) {
	got, err := mongoEval(ctx, d, id, "db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1}).featureCompatibilityVersion.version")
	return strings.Trim(got, `"' `), err
}
