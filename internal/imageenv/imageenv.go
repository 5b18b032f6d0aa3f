// Package imageenv reads and writes /etc/appsmith/image.env, the record a
// baked machine image keeps of what `image prepare` put in it: the cloud it
// was baked for and the Appsmith image pulled by digest. `image prepare`
// writes it, `image check` judges the image by it and `firstboot` starts the
// instance from it. It holds no secret, so it is 0644.
//
// The file is shell-compatible KEY=value lines (systemd EnvironmentFile and
// `. /etc/appsmith/image.env` both read it), parsed with the same bash rules
// as docker.env.
package imageenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Path is where the file lives, relative to the image's root.
const Path = "etc/appsmith/image.env"

// MOTDPath is the text the image's login banner prints: firstboot writes
// the instance's URL and next commands there, image prepare's banner script
// shows it. One name for the two sides.
const MOTDPath = "etc/appsmith/motd"

// Providers a machine image is baked for.
const (
	AWS          = "aws"
	DigitalOcean = "digitalocean"
)

// Image is what a baked machine image carries.
type Image struct {
	Provider string // aws | digitalocean
	Edition  string // ee | ce
	// Version is the tag the digest was resolved from (v1.9.38): a digest
	// reference carries no tag, so firstboot checks /info against this.
	Version string
	// Reference is the pulled image by digest: repo@sha256:… .
	Reference string
}

// File is the path of image.env under root ("/" on a real machine).
func File(root string) string { return filepath.Join(root, Path) }

// Check says what is missing or wrong, naming the key.
func (im Image) Check() error {
	switch im.Provider {
	case AWS, DigitalOcean:
	default:
		return fmt.Errorf("APPSMITH_PROVIDER %q: want %s or %s", im.Provider, AWS, DigitalOcean)
	}
	if im.Edition != "ee" && im.Edition != "ce" {
		return fmt.Errorf("APPSMITH_EDITION %q: want ee or ce", im.Edition)
	}
	if im.Version == "" {
		return fmt.Errorf("APPSMITH_VERSION is empty")
	}
	if i := strings.Index(im.Reference, "@sha256:"); i <= 0 || len(im.Reference)-i-len("@sha256:") != 64 {
		return fmt.Errorf("APPSMITH_IMAGE %q: want repository@sha256:<64 hex>", im.Reference)
	}
	return nil
}

// Write records im under root atomically.
func Write(root string, im Image) error {
	body, err := Encode(im)
	if err != nil {
		return err
	}
	p := File(root)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(p, body, 0o644)
}

// Encode is the file's content for im (what Write writes).
func Encode(im Image) ([]byte, error) {
	if err := im.Check(); err != nil {
		return nil, err
	}
	env := &stacks.EnvFile{}
	env.Set("APPSMITH_PROVIDER", im.Provider)
	env.Set("APPSMITH_EDITION", im.Edition)
	env.Set("APPSMITH_VERSION", im.Version)
	env.Set("APPSMITH_IMAGE", im.Reference)
	return append([]byte("# Written by appsmith-install image prepare; read by firstboot.\n"), env.Bytes()...), nil
}

// Read loads image.env under root and checks it.
func Read(root string) (Image, error) {
	p := File(root)
	b, err := os.ReadFile(p)
	if err != nil {
		return Image{}, err
	}
	env, err := stacks.ParseEnv(b)
	if err != nil {
		return Image{}, fmt.Errorf("%s: %w", p, err)
	}
	get := func(k string) string { v, _ := env.Get(k); return v }
	im := Image{Provider: get("APPSMITH_PROVIDER"), Edition: get("APPSMITH_EDITION"), Version: get("APPSMITH_VERSION"), Reference: get("APPSMITH_IMAGE")}
	if err := im.Check(); err != nil {
		return im, fmt.Errorf("%s: %w", p, err)
	}
	return im, nil
}
