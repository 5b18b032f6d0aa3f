package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/releases"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// The machine's checks: they run with or without an install.

// minAPI is the oldest Engine API the product speaks (Docker 20.10).
var minAPI = version.Must(version.NewVersion("1.41"))

const (
	gib          = 1 << 30
	minFreeDisk  = 1 * gib // below this a running instance is about to stop writing
	warnFreeDisk = 5 * gib
	// Appsmith's documented minimum and recommendation (the install's
	// preflight says the same).
	minMemory  = 2 * gib
	goodMemory = 4 * gib
)

const startDocker = "start Docker (`sudo systemctl start docker`) or set DOCKER_HOST"

func skipped(why string) []Finding { return []Finding{{Status: Info, Message: "not checked: " + why}} }

func checkEngine(ctx context.Context, e *Env) []Finding {
	info, err := e.engineInfo(ctx)
	if err != nil {
		// The client's error carries its own advice on further lines: the
		// fix says it once.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return []Finding{{Status: Fail, Message: "cannot reach the Docker Engine: " + msg, Fix: startDocker}}
	}
	api, perr := version.NewVersion(info.APIVersion)
	if perr == nil && api.LessThan(minAPI) {
		return []Finding{{Status: Fail, Path: info.Host,
			Message: fmt.Sprintf("Docker Engine %s speaks API %s: appsmith-install needs API 1.41 (Docker 20.10) or newer", info.ServerVersion, info.APIVersion),
			Fix:     "upgrade Docker to 20.10 or newer"}}
	}
	return []Finding{{Status: OK, Path: info.Host, Message: fmt.Sprintf("Docker Engine %s, API %s", info.ServerVersion, info.APIVersion)}}
}

func checkEngineStorage(ctx context.Context, e *Env) []Finding {
	info, err := e.engineInfo(ctx)
	if err != nil {
		return skipped("the Docker Engine is not reachable")
	}
	var out []Finding
	if info.Driver == "vfs" {
		out = append(out, Finding{Status: Warn, Path: info.DockerRootDir,
			Message: "the Engine's storage driver is vfs: every layer is a full copy, so images and containers take several times the disk and start slowly",
			Fix:     `set "storage-driver": "overlay2" in /etc/docker/daemon.json and restart Docker (images are pulled again)`})
	}
	root := info.DockerRootDir
	// Only a local engine's data root is on this machine's disks.
	if root != "" && e.Host.DiskFree != nil && (info.Host == "" || strings.HasPrefix(info.Host, "unix://")) {
		fix := "free space under " + root + " (`docker system prune` removes unused images and stopped containers)"
		free, err := e.Host.DiskFree(root)
		switch {
		case err != nil:
			out = append(out, Finding{Status: Info, Path: root, Message: fmt.Sprintf("cannot measure free space in Docker's data root: %v", err)})
		case free < minFreeDisk:
			out = append(out, Finding{Status: Fail, Path: root, Fix: fix,
				Message: fmt.Sprintf("%s free in Docker's data root: containers fail to write and images cannot be pulled", progress.FormatBytes(int64(free)))})
		case free < warnFreeDisk:
			out = append(out, Finding{Status: Warn, Path: root, Fix: fix,
				Message: fmt.Sprintf("only %s free in Docker's data root: an upgrade pulls an image of several GiB", progress.FormatBytes(int64(free)))})
		default:
			out = append(out, Finding{Status: OK, Path: root, Message: fmt.Sprintf("storage driver %s, %s free in Docker's data root", orNone(info.Driver), progress.FormatBytes(int64(free)))})
		}
	} else if len(out) == 0 {
		out = append(out, ok("storage driver %s", orNone(info.Driver)))
	}
	return out
}

func checkMemory(ctx context.Context, e *Env) []Finding {
	info, err := e.engineInfo(ctx)
	if err != nil || info.MemTotal <= 0 {
		return skipped("the Docker Engine does not say how much memory it has")
	}
	mem := progress.FormatBytes(info.MemTotal)
	switch {
	case info.MemTotal < minMemory:
		return []Finding{{Status: Warn, Message: mem + " of memory: Appsmith needs at least 2 GiB (its Java backend is killed for lack of memory)",
			Fix: "give the machine at least 2 GiB (4 GiB recommended), or add swap"}}
	case info.MemTotal < goodMemory:
		return []Finding{{Status: Info, Message: mem + " of memory: enough to run; 4 GiB is recommended",
			Fix: "give the machine 4 GiB for many users or large apps"}}
	}
	return []Finding{ok("%s of memory", mem)}
}

func checkAVX(ctx context.Context, e *Env) []Finding {
	kind := e.dbKind()
	if kind == "" {
		return skipped("no database URL in docker.env")
	}
	if kind != stacks.DBEmbeddedMongoDB {
		return []Finding{ok("the database is %s: no MongoDB on this CPU, AVX not needed", orNone(stacks.DatabaseLabel(kind)))}
	}
	ver := e.imageVersion(ctx)
	v, _ := releases.Parse(ver)
	if !releases.NeedsAVX(v) {
		return []Finding{ok("Appsmith %s embeds MongoDB 4.4, which runs without AVX", ver)}
	}
	if info, err := e.engineInfo(ctx); err == nil && info.Arch != "" && info.Arch != "x86_64" && info.Arch != "amd64" {
		return []Finding{ok("CPU architecture %s: AVX is an x86 matter", info.Arch)}
	}
	if e.Host.HasAVX == nil {
		return skipped("cannot read this CPU's flags")
	}
	has, err := e.Host.HasAVX()
	switch {
	case err != nil:
		return skipped("cannot read this CPU's flags: " + err.Error())
	case has:
		return []Finding{ok("this CPU has AVX, which the embedded MongoDB of Appsmith %s needs", orNone(ver))}
	}
	return []Finding{{Status: Fail,
		Message: fmt.Sprintf("this CPU has no AVX: the embedded MongoDB (5.0 or later) of Appsmith %s stops with \"Illegal instruction\"", orNone(ver)),
		Fix:     "move the instance to a CPU with AVX (in a VM: a CPU model that passes AVX through); " + releases.LastWithoutAVX + " is the last image that runs without it"}}
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
