package testenv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// Image describes one stand-in image.
type Image struct {
	Repo    string // "appsmith/appsmith-ce"
	Tag     string // "v1.9.2", "latest"
	Version string // what /info reports; "" = Tag
	Fault   string // spec.Fault*; "" = healthy

	// BootDelay is how long the backend takes to come up after start:
	// 0 = spec.DefaultBootDelay (1s), negative = immediately.
	BootDelay time.Duration

	// MongoVersion is the embedded MongoDB major ("5.0"); "" = the one the
	// real release ships (spec.MongoFor).
	MongoVersion string

	// KeepRunning: the container stays up when a program fails to start,
	// as under the real supervisord (spec.Config.KeepRunning).
	KeepRunning bool

	// RealPostgres: the image is built on the Debian root filesystem of
	// scripts/pg-rootfs.sh, and its embedded PostgreSQL is the real
	// postgresql-15, with pg_dump, pg_restore and psql on PATH (pgimage.go).
	RealPostgres bool

	// Checkpoint is a checkpoint this release enforces beyond the ones
	// Appsmith has today ("v1.9.30"): spec.Config.Checkpoint.
	Checkpoint string
}

func (img Image) version() string {
	if img.Version != "" {
		return img.Version
	}
	return img.Tag
}

// standinConfig is the /opt/standin/config.json baked into img.
func (img Image) standinConfig() (spec.Config, error) {
	v, err := spec.ParseVersion(img.version())
	if err != nil {
		return spec.Config{}, fmt.Errorf("image %s:%s: %w", img.Repo, img.Tag, err)
	}
	c := spec.Config{Fault: img.Fault, MongoVersion: img.MongoVersion, KeepRunning: img.KeepRunning, Checkpoint: img.Checkpoint}
	if c.MongoVersion == "" {
		c.MongoVersion = spec.MongoFor(v)
	}
	switch {
	case img.BootDelay < 0:
		c.BootDelay = "0s"
	case img.BootDelay > 0:
		c.BootDelay = img.BootDelay.String()
	}
	return c, c.Validate()
}

// builtAt is fixed so the same Image always has the same digest, in this
// process and the next, and the engine stores each layer once. (A registry
// pushes it with its own label: see RegistryLabel.)
var builtAt = time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)

var images struct {
	mu    sync.Mutex
	built map[Image]v1.Image
	base  v1.Layer
}

// BuildImage returns the stand-in image img, built once per process.
func BuildImage(tb testing.TB, img Image) v1.Image {
	tb.Helper()
	if img.RealPostgres {
		RequirePGRootfs(tb)
	}
	i, err := buildImage(StandinBinary(tb), img)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return i
}

func buildImage(binary string, img Image) (v1.Image, error) {
	images.mu.Lock()
	defer images.mu.Unlock()
	if i, ok := images.built[img]; ok {
		return i, nil
	}
	cfg, err := img.standinConfig()
	if err != nil {
		return nil, err
	}
	if images.base == nil {
		if images.base, err = baseLayer(binary); err != nil {
			return nil, err
		}
	}
	top, err := imageLayer(img, cfg)
	if err != nil {
		return nil, err
	}
	var adds []mutate.Addendum
	env := "PATH=/usr/bin:/opt/appsmith"
	if img.RealPostgres {
		rootfs, err := pgRootfsLayer()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.Addendum{Layer: rootfs, History: v1.History{Created: v1.Time{Time: builtAt}, CreatedBy: "scripts/pg-rootfs.sh: Debian bookworm with postgresql-15"}})
		env = pgPath
	}
	i, err := mutate.Append(empty.Image, append(adds,
		mutate.Addendum{Layer: images.base, History: v1.History{Created: v1.Time{Time: builtAt}, CreatedBy: "stand-in program and its names"}},
		mutate.Addendum{Layer: top, History: v1.History{Created: v1.Time{Time: builtAt}, CreatedBy: "info.json and stand-in config"}},
	)...)
	if err != nil {
		return nil, err
	}
	cf, err := i.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Created = runtime.GOARCH, "linux", v1.Time{Time: builtAt}
	// As the real image: no version label (the version lives in info.json).
	cf.Config = v1.Config{
		Entrypoint:   []string{spec.Entrypoint},
		Env:          []string{env},
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "443/tcp": {}},
		Volumes:      map[string]struct{}{spec.StacksPath: {}},
		Healthcheck: &v1.HealthConfig{
			Test:        []string{"CMD", spec.Healthcheck},
			Interval:    15 * time.Second,
			Timeout:     15 * time.Second,
			StartPeriod: 45 * time.Second,
		},
	}
	if i, err = mutate.ConfigFile(i, cf); err != nil {
		return nil, err
	}
	if images.built == nil {
		images.built = map[Image]v1.Image{}
	}
	images.built[img] = i
	return i, nil
}

// RegistryLabel is the one label of a stand-in image as a Registry serves
// it; its value is the registry's host. It makes the image ID of every
// registry's copy its own (Registry.push says why); BuildImage has no label.
const RegistryLabel = "io.appsmith-install.testenv.registry"

// withLabel is i with the label key=value added to its config; the layers
// are i's.
func withLabel(i v1.Image, key, value string) (v1.Image, error) {
	cf, err := i.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	if cf.Config.Labels == nil {
		cf.Config.Labels = map[string]string{}
	}
	cf.Config.Labels[key] = value
	return mutate.ConfigFile(i, cf)
}

// tarEntry is one file, directory or symlink of a layer.
type tarEntry struct {
	name, link string
	mode       int64
	typ        byte
	body       []byte
}

// layerOf gzips the entries once and hands go-containerregistry the
// compressed bytes, so digests are computed without recompressing.
func layerOf(entries []tarEntry) (v1.Layer, error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Mode: e.mode, Typeflag: e.typ, Size: int64(len(e.body)), ModTime: builtAt, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b := gz.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// baseLayer holds the program under all its names; it is the same for every
// image, so the engine downloads and stores it once.
func baseLayer(binary string) (v1.Layer, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	dir := func(n string, mode int64) tarEntry { return tarEntry{name: n, mode: mode, typ: tar.TypeDir} }
	link := func(n string) tarEntry {
		return tarEntry{name: n, link: spec.Entrypoint, mode: 0o777, typ: tar.TypeSymlink}
	}
	return layerOf([]tarEntry{
		dir("appsmith-stacks/", 0o755),
		dir("opt/", 0o755),
		dir("opt/appsmith/", 0o755),
		{name: "opt/appsmith/entrypoint.sh", mode: 0o755, typ: tar.TypeReg, body: bin},
		link("opt/appsmith/healthcheck"),
		dir("opt/standin/", 0o755),
		dir("tmp/", 0o1777),
		dir("usr/", 0o755),
		dir("usr/bin/", 0o755),
		link("usr/bin/appsmithctl"),
		link("usr/bin/mongodump"),
		link("usr/bin/mongorestore"),
		link("usr/bin/mongosh"),
		link("usr/bin/supervisorctl"),
	})
}

func imageLayer(img Image, cfg spec.Config) (v1.Layer, error) {
	sha := sha1.Sum([]byte(img.Repo + ":" + img.version()))
	info, err := json.Marshal(spec.Info{Version: img.version(), CommitSha: hex.EncodeToString(sha[:]), ImageBuiltAt: builtAt.Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	conf, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return layerOf([]tarEntry{
		{name: "opt/appsmith/info.json", mode: 0o644, typ: tar.TypeReg, body: info},
		{name: "opt/standin/config.json", mode: 0o644, typ: tar.TypeReg, body: conf},
	})
}
