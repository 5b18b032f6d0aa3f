package tlsconf

import "github.com/appsmith-install/appsmith-install/internal/dockerfake"

// A TLS change's tests script the engine with the shared fake.
var _ Docker = (*dockerfake.Engine)(nil)
