package upgrade

import (
	"context"
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// MongoData is what the running container's embedded MongoDB says of
// itself: the server's major and the data's featureCompatibilityVersion.
type MongoData struct {
	Server  string `json:"server,omitempty"`  // "5.0"; "" = not known
	FCV     string `json:"fcv,omitempty"`     // "4.4"; "" = not known
	Version string `json:"version,omitempty"` // "5.0.14", as the server said
}

// ReadMongo asks the container's embedded MongoDB through the image's own
// appsmithctl mongo-eval (docker.env's URL, inside the container).
func ReadMongo(ctx context.Context, d instance.ReadyDocker, c instance.Target) (MongoData, error) {
	v, err := mongoEval(ctx, d, c.Serving(), "db.version()")
	if err != nil {
		return MongoData{}, err
	}
	f, err := mongoEval(ctx, d, c.Serving(), fcvExpr)
	if err != nil {
		return MongoData{}, err
	}
	data := MongoData{Version: trimQuotes(v), Server: releases.MongoMajor(v), FCV: releases.MongoMajor(f)}
	if data.Server == "" || data.FCV == "" {
		return MongoData{}, fmt.Errorf("MongoDB answered version %q and featureCompatibilityVersion %q", v, f)
	}
	return data, nil
}

const fcvExpr = "db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1}).featureCompatibilityVersion.version"

// FitData decides the hops of an embedded MongoDB from what the running
// container's MongoDB says (Decide); when it does not answer, from the
// graph alone.
func FitData(ctx context.Context, in Instance, hops []Hop) []Hop {
	if in.DB != DBEmbeddedMongo || len(hops) == 0 {
		return hops
	}
	data, _ := ReadMongo(ctx, in.Docker, instance.Target{ID: in.Container.ID, Name: in.Container.Name})
	return Decide(hops, data)
}

// Decide says, hop by hop, whether the next mongod can open the data in
// place. mongod opens data at its own FCV or the major before, and sets
// only those: the running server can lift the data to its own major and no
// further. When that is still older than what the next image's mongod
// opens (the running server two majors behind it, as an image built with
// an older MongoDB than its release line), the hop migrates: the data goes
// by dump and restore into a fresh data directory. data is the first hop's
// reading; later hops follow from the graph and what each hop leaves.
func Decide(hops []Hop, data MongoData) []Hop {
	out := make([]Hop, len(hops))
	copy(out, hops)
	server, fcv := data.Server, data.FCV
	for i := range out {
		h := &out[i]
		if h.MongoTo == "" {
			continue // not an embedded MongoDB
		}
		if server == "" {
			server = h.MongoFrom
		}
		if fcv == "" {
			fcv = releases.OldestFCV(server) // the oldest the server can be running on
		}
		need := releases.OldestFCV(h.MongoTo)
		raised := ""
		switch {
		case releases.CompareFCV(fcv, need) >= 0 && server == h.MongoFrom:
			// Opens as it is; the graph's steps stand.
		case releases.CompareFCV(fcv, need) >= 0:
			h.MongoFrom, h.Pre = server, nil // a set-fcv for another server would be wrong
		case releases.CompareFCV(server, need) >= 0:
			if server != h.MongoFrom {
				h.MongoFrom = server
				h.Pre = []DBStep{{Kind: SetFCV, FCV: server,
					Why: fmt.Sprintf("MongoDB %s starts only on data at FCV %s or newer: set it on the running MongoDB %s first", h.MongoTo, need, server)}}
			}
			raised = server
		default:
			h.Migrate = fmt.Sprintf("the data is at FCV %s and MongoDB %s opens %s or newer, which the running MongoDB %s cannot set (it knows %s at most): "+
				"the data moves by mongodump from %s and mongorestore into %s on a fresh data directory, the old one kept until the upgrade is verified",
				fcv, h.MongoTo, need, server, server, h.From, h.To)
			h.MongoFrom, h.Pre = server, nil
			h.Post = []DBStep{{Kind: ExpectFCV, FCV: h.MongoTo, Why: fmt.Sprintf("a fresh data directory starts at MongoDB %s's own FCV", h.MongoTo)}}
			server, fcv = h.MongoTo, h.MongoTo
			continue
		}
		server = h.MongoTo
		for _, f := range []string{raised, floorOf(h.To)} {
			if releases.CompareFCV(f, fcv) > 0 {
				fcv = f
			}
		}
	}
	return out
}

func floorOf(tag string) string {
	if v, ok := releases.Parse(tag); ok {
		return releases.FCVFloor(v)
	}
	return ""
}
