//go:build !nokube

package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// kubeFitMongo asks the release's MongoDB (the chart's subchart or the
// user's), through a Ready pod's exec and the image's appsmithctl, what a
// host's external MongoDB is asked (checkExternalMongo): its version,
// refused when a hop needs a newer one, and its featureCompatibilityVersion,
// which each hop gets set first when the next release needs it
// (upgrade.FitExternalMongo). A MongoDB that cannot be asked refuses the
// upgrade unless --no-db-check says its checks are the user's. On a
// refusal the hops come back as they were, for --plan to show.
func kubeFitMongo(ctx context.Context, dir string, rdb kube.ReleaseDB, dberr error, hops []upgrade.Hop, to string, skip bool) ([]upgrade.Hop, *upgrade.MongoData, []string, error) {
	need := ""
	for _, h := range hops {
		if h.NeedsExternalMongo != "" && versionLess(need, h.NeedsExternalMongo) {
			need = h.NeedsExternalMongo
		}
	}
	if need == "" {
		return hops, nil, nil, nil
	}
	if skip {
		return hops, nil, []string{fmt.Sprintf("--no-db-check: the MongoDB was not asked; %s needs %s or newer, and the featureCompatibilityVersion each release expects is yours to set", to, need)}, nil
	}
	if dberr != nil {
		// Not even which database: no Ready pod to read the environment of.
		return hops, nil, nil, &engine.Error{Code: engine.ExitPreflight,
			Err:  fmt.Errorf("could not tell which database the release runs (a MongoDB must be %s or newer for %s): %v: nothing was changed", need, to, dberr),
			Hint: "the database is read through a Ready pod's exec: the release needs one (`" + hint.Appsmith(dir, "status") + "` shows its pods) and pods/exec allowed in the namespace; or, if the database is yours to check, pass --no-db-check"}
	}
	data, dberr := upgrade.ReadExternalMongo(ctx, rdb.Exec, rdb.Pod.Name)
	if dberr != nil {
		return hops, nil, nil, &engine.Error{Code: engine.ExitPreflight,
			Err:  fmt.Errorf("could not ask the release's MongoDB its version through a pod's exec (%v); %s needs %s or newer: nothing was changed", dberr, to, need),
			Hint: "allow pods/exec in the namespace, or check the MongoDB yourself and pass --no-db-check"}
	}
	out, notes, err := upgrade.FitExternalMongo(hops, data)
	var me *upgrade.ExternalMongoError
	if errors.As(err, &me) {
		return hops, &data, nil, engine.Errorf(engine.ExitPreflight, "upgrade the MongoDB (the chart's mongodb subchart, or yours) to "+me.Need+" or newer first, then run this again",
			"%v: nothing was changed", err)
	}
	return out, &data, notes, err
}

// kubeSetFCV runs a hop's FCV steps before its helm upgrade, in the
// release's Ready pod on tag (the version that runs now, which works on
// the FCV set: it is at most the server's own major).
func kubeSetFCV(ctx context.Context, h *kube.Helm, tag string, steps []upgrade.DBStep) error {
	for _, s := range steps {
		db, err := h.Database(ctx, tag)
		if err == nil {
			err = upgrade.RunSetFCV(ctx, db.Exec, db.Pod.Name, s.FCV)
		}
		if err != nil {
			return fmt.Errorf("setting MongoDB's featureCompatibilityVersion to %s: %w", s.FCV, err)
		}
	}
	return nil
}
