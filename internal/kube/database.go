package kube

import (
	"context"
	"errors"
	"strings"

	"github.com/appsmith-install/appsmith-install/upgrade"
)

// ReleaseDB is the database a release's pods run with, and a way to ask
// it: commands run in a Ready pod with the image's own tools, which read
// the URL from the pod's environment (no secret passes through here).
type ReleaseDB struct {
	Kind string // upgrade.DBExternalMongo or upgrade.DBPostgres
	Pod  Pod
	Exec upgrade.Execer
}

// Database is the database of the release's Ready pod on tag, from the
// pod's resolved environment (the API's view of the pod and the
// ConfigMaps and Secrets it names; no exec): APPSMITH_DB_URL's scheme, or
// the chart's default, its MongoDB subchart, when the pod names none. A
// MongoDB is never the image's embedded one here: the chart runs the
// image with APPSMITH_ENABLE_EMBEDDED_DB=0.
func (h *Helm) Database(ctx context.Context, tag string) (ReleaseDB, error) {
	if h.Data == nil {
		return ReleaseDB{}, errors.New("no way to reach the pods through the API server")
	}
	pod, err := h.ReadyPod(ctx, tag)
	if err != nil {
		return ReleaseDB{}, err
	}
	env, err := h.Data.PodEnv(ctx, h.Opts.Namespace, pod.Name, pod.Container)
	if err != nil {
		return ReleaseDB{}, err
	}
	db := ReleaseDB{Kind: upgrade.DBExternalMongo, Pod: pod, Exec: upgrade.Buffered(h.Data.Execer(h.Opts.Namespace, pod.Container))}
	if u := env["APPSMITH_DB_URL"]; strings.HasPrefix(u, "postgresql:") || strings.HasPrefix(u, "postgres:") {
		db.Kind = upgrade.DBPostgres
	}
	return db, nil
}
