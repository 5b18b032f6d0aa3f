// Package bundle is the air-gapped bundle: one tar, written and read as a
// stream, that carries every image of an upgrade path (and the installer),
// with a sha256 of every member and an optional ed25519 signature.
//
// The layout, in stream order:
//
//	manifest.json            Manifest: format, path, images, installer
//	images/<name>            the members of the engine's `docker save` archive of
//	                         every image at once (shared layers once), each
//	                         copied as a member of its own
//	installer/<name>         appsmith-install for linux/amd64, linux/arm64
//	checksums.sha256         "<sha256>  <member>" for every member above
//	checksums.sha256.sig     the signature of checksums.sha256 (signed bundles)
//
// A tar member's size goes in its header, before its data, and `docker save`
// streams with no length: copying the save archive's own members, whose
// sizes it gives, keeps the writer streaming with no temporary file. The
// checksums are known only once everything is written, so they come last,
// and are what is signed; they cover the manifest. A reader hashes each
// member as it passes and compares at the end: a load verifies the whole
// bundle in one pass before it gives the engine a byte.
//
// The package is core: it computes and acts and knows no UI.
package bundle

import (
	"time"

	"github.com/appsmith-install/appsmith-install/upgrade"
)

// Format is the manifest's format version; a reader refuses a newer one.
const Format = 1

// Member names.
const (
	ManifestName  = "manifest.json"
	ChecksumsName = "checksums.sha256"
	SignatureName = "checksums.sha256.sig"
	imagesDir     = "images/"
	installerDir  = "installer/"
)

// Manifest describes a bundle. It is the first member.
type Manifest struct {
	Format     int       `json:"format"`
	Created    time.Time `json:"created"`
	Repository string    `json:"repository"` // appsmith/appsmith-ee, or a mirror's
	From       string    `json:"from"`       // the version the path starts at (its image is included)
	To         string    `json:"to"`
	// Path is the upgrade path From → To as upgrade.Path computed it from
	// the registry's tags when the bundle was made.
	Path   []upgrade.Hop `json:"path"`
	Images []Image       `json:"images"`
	// Installers are the appsmith-install binaries included.
	Installers []Installer `json:"installers,omitempty"`
	// Installer is the build of appsmith-install that made the bundle.
	Installer BuildInfo `json:"installer"`
}

// Image is one image of the path.
type Image struct {
	Version string `json:"version"` // v1.9.2
	Ref     string `json:"ref"`     // repo:tag, as the engine knows it after a load
	// Digest is the registry's manifest digest the image was pulled as
	// (repo@sha256:…); the engine forgets it on a save and load.
	Digest string `json:"digest,omitempty"`
	// ID is the engine's image ID (the config's digest): it survives a save
	// and a load, so a load is checked by it.
	ID   string `json:"id"`
	Size int64  `json:"size"` // unpacked size as the engine reports it
}

// Installer is one appsmith-install binary of the bundle.
type Installer struct {
	Platform string `json:"platform"` // linux/amd64
	Member   string `json:"member"`   // installer/appsmith-install-linux-amd64
	Size     int64  `json:"size"`
}

// BuildInfo is the installer build that made the bundle.
type BuildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Platform string `json:"platform"`
}

// Versions are the versions the bundle carries images of: the tag list an
// upgrade plans its path with when it runs from the bundle.
func (m Manifest) Versions() []string {
	vs := make([]string, len(m.Images))
	for i, img := range m.Images {
		vs[i] = img.Version
	}
	return vs
}

// Image is the bundle's image of version v.
func (m Manifest) Image(v string) (Image, bool) {
	for _, img := range m.Images {
		if img.Version == v {
			return img, true
		}
	}
	return Image{}, false
}
