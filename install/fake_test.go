package install

import "github.com/appsmith-install/appsmith-install/internal/dockerfake"

// Install's tests script the engine with the shared fake.
var (
	_ Docker          = (*dockerfake.Engine)(nil)
	_ ContainerLister = (*dockerfake.Engine)(nil)
)
