package imageenv

import (
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Parse reads image.env's bytes and checks them, for readers that hold the
// file some other way than a path (image check reads an image's tree
// through os.Root, never following a link out of it).
func Parse(b []byte) (Image, error) {
	env, err := stacks.ParseEnv(b)
	if err != nil {
		return Image{}, err
	}
	get := func(k string) string { v, _ := env.Get(k); return v }
	im := Image{Provider: get("APPSMITH_PROVIDER"), Edition: get("APPSMITH_EDITION"), Version: get("APPSMITH_VERSION"), Reference: get("APPSMITH_IMAGE")}
	return im, im.Check()
}
