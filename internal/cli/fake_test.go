package cli

import (
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
)

// The commands' tests script the engine with the shared fake.
var (
	_ Engine                  = (*dockerfake.Engine)(nil)
	_ install.ContainerLister = (*dockerfake.Engine)(nil)
)
