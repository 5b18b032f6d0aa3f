package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// What the checks share, read once.

func (e *Env) stacks() stacks.Layout { return instance.Layout{Dir: e.Dir}.Stacks() }

// cmd is an appsmith command for a fix, with --dir when it is needed.
func (e *Env) cmd(args string) string { return "`" + hint.Appsmith(e.Dir, args) + "`" }

func (e *Env) engineInfo(ctx context.Context) (docker.EngineInfo, error) {
	if e.info == nil && e.infoErr == nil {
		if e.Engine == nil {
			e.infoErr = e.DockerErr
			if e.infoErr == nil {
				e.infoErr = fmt.Errorf("no Docker Engine")
			}
		} else {
			i, err := e.Engine.Info(ctx)
			e.info, e.infoErr = &i, err
		}
	}
	if e.infoErr != nil {
		return docker.EngineInfo{}, e.infoErr
	}
	return *e.info, nil
}

// dockerEnv is the parsed docker.env; an error when missing or unreadable.
func (e *Env) dockerEnv() (*stacks.EnvFile, error) {
	if !e.envLoaded {
		e.envLoaded = true
		e.env, e.envErr = e.stacks().ReadEnv()
	}
	return e.env, e.envErr
}

// dbKind is the database docker.env names ("" when unknown), else the
// recorded one.
func (e *Env) dbKind() string {
	if env, err := e.dockerEnv(); err == nil {
		if k := stacks.DatabaseKind(env.DBURL()); k != "" {
			return k
		}
	}
	if e.State != nil {
		return e.State.Database
	}
	return ""
}

func (e *Env) running() bool { return e.Container != nil && e.Container.Running }

// runningVersion is what the running instance's /info says ("" when it does
// not answer).
func (e *Env) runningVersion(ctx context.Context) (string, error) {
	if e.version == nil {
		if !e.running() || e.InfoVersion == nil {
			return "", fmt.Errorf("not running")
		}
		v, err := e.InfoVersion(ctx)
		if err != nil {
			e.versionErr = err
		}
		e.version = &v
	}
	return *e.version, e.versionErr
}

// imageVersion is the version of the running or recorded image: /info,
// else appsmith.yaml, else the image's tag.
func (e *Env) imageVersion(ctx context.Context) string {
	if v, err := e.runningVersion(ctx); err == nil && v != "" {
		return v
	}
	if e.State != nil && e.State.Version != "" {
		return e.State.Version
	}
	if e.Container != nil {
		return imageTag(e.Container.Image)
	}
	return ""
}

// imageTag is the tag of an image reference ("" for none or a digest).
func imageTag(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	i := strings.LastIndexByte(ref, ':')
	if i < 0 || strings.ContainsRune(ref[i:], '/') {
		return ""
	}
	return ref[i+1:]
}
