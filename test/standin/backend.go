package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// backendState stands in for the application database when it is external:
// the stand-in has no remote database to keep the last started version in,
// so it keeps it in the stacks volume.
type backendState struct {
	AppsmithVersion string `json:"appsmithVersion"`
}

func (a *app) backendStatePath() string { return a.l.stacks("data", "standin-backend.json") }

// lastStarted is the release whose backend last started fully on this data,
// "" for data that never saw a full start.
func (a *app) lastStarted() (string, error) {
	if a.localMongo {
		st, ok := a.mongo.view()
		if !ok {
			return "", errors.New("MongoSocketOpenException: Exception opening socket: Connection refused (localhost:27017)")
		}
		return st.AppsmithVersion, nil
	}
	if a.realPG {
		return a.pgLastStarted(context.Background())
	}
	b, err := os.ReadFile(a.backendStatePath())
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var st backendState
	if err := json.Unmarshal(b, &st); err != nil {
		return "", fmt.Errorf("%s: %w", a.backendStatePath(), err)
	}
	return st.AppsmithVersion, nil
}

// checkCheckpoint refuses to start a release that would skip a checkpoint.
func (a *app) checkCheckpoint(log *progLog) error {
	last, err := a.lastStarted()
	if err != nil || last == "" {
		return err
	}
	lv, err := spec.ParseVersion(last)
	if err != nil {
		log.Printf("WARN unreadable last started version %q: %v", last, err)
		return nil
	}
	var override *spec.Version
	if raw := a.env["APPSMITH_CHECKPOINT_OVERRIDE"]; raw != "" {
		o, err := spec.ParseOverride(raw)
		if err != nil {
			log.Printf("WARN ignoring %v", err)
		} else {
			override = &o
		}
	}
	cp, missed := spec.MissedCheckpoint(lv, a.version, override)
	if !missed {
		cp, missed = spec.ExtraCheckpoint(lv, a.cfg.Checkpoint, override)
	}
	if missed {
		log.Printf("ERROR ******************************************************************")
		log.Printf("ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED")
		log.Printf("ERROR This instance last started fully on %s. Before %s it must be upgraded to the checkpoint version %s: %s.", lv, a.version, cp.Named, cp.Hint)
		log.Printf("ERROR ******************************************************************")
		return exitf(1, "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED: %s needs checkpoint %s first (last started: %s)", a.version, cp.Named, lv)
	}
	if override != nil {
		if _, wouldMiss := spec.MissedCheckpoint(lv, a.version, nil); wouldMiss {
			log.Printf("WARN APPSMITH_CHECKPOINT_OVERRIDE=%s: starting %s on data last started by %s; remove the override after this start", override, a.version, lv)
		}
	}
	return nil
}

// migrate is what a full start leaves behind: the FCV raised to this
// release's floor, the 2.x marker, and the record of this start.
func (a *app) migrate(log *progLog) error {
	target := a.version.String()
	if a.realPG {
		return a.pgRecordStart(context.Background(), target)
	}
	if !a.localMongo {
		return writeJSON(a.backendStatePath(), backendState{AppsmithVersion: target})
	}
	floor := spec.FCVFloor(a.version)
	err := a.mongo.update(func(st *mongoState) {
		if floor != "" && spec.CompareFCV(st.FCV, floor) < 0 {
			log.Printf("INFO Raising MongoDB featureCompatibilityVersion from %s to %s", st.FCV, floor)
			st.FCV = floor
		}
		st.AppsmithVersion = target
	})
	if err != nil {
		return err
	}
	if spec.WritesFCVMarker(a.version) && floor != "" {
		return os.WriteFile(a.l.stacks("data", "mongodb", ".appsmith-mongo-fcv-min"), []byte(floor+"\n"), 0o644)
	}
	return nil
}

func (a *app) backendProgram() program {
	return program{name: "backend", priority: 20, start: func(ctx context.Context, log *progLog) (<-chan error, error) {
		a.backendUp.Store(false)
		log.Printf("INFO Starting ServerApplication %s (stand-in) on %s", a.version, a.host)
		// On the real PostgreSQL the release record is read as the backend
		// reads everything, with docker.env's credentials: once they work.
		if !a.realPG {
			if err := a.checkCheckpoint(log); err != nil {
				return nil, err
			}
		}
		never, err := a.checkServices()
		if err != nil {
			log.Printf("ERROR Application run failed: %v", err)
			return nil, err
		}
		done := make(chan error, 1)
		go func() {
			began := time.Now()
			if a.cfg.Fault == spec.FaultNeverHealthy || never != "" {
				if never == "" {
					never = "Waiting for the database to become available ..."
				}
				log.Printf("INFO %s", never)
				<-ctx.Done()
				done <- nil
				return
			}
			if a.realPG && !a.waitForPG(ctx, log) {
				done <- nil
				return
			}
			if a.realPG {
				if err := a.checkCheckpoint(log); err != nil {
					done <- err
					return
				}
			}
			select {
			case <-ctx.Done():
				done <- nil
				return
			case <-time.After(a.bootDelay):
			}
			if err := a.migrate(log); err != nil {
				log.Printf("ERROR Application run failed: %v", err)
				done <- exitf(1, "backend: %v", err)
				return
			}
			a.backendUp.Store(true)
			log.Printf("INFO Started ServerApplication in %.3f seconds", time.Since(began).Seconds())
			<-ctx.Done()
			a.backendUp.Store(false)
			log.Printf("INFO Shutting down ServerApplication")
			done <- nil
		}()
		return done, nil
	}}
}

// idleProgram is a program whose only observable behaviour is being up and
// logging (rts, redis).
func idleProgram(name string, priority int, lines ...string) program {
	return program{name: name, priority: priority, start: func(ctx context.Context, log *progLog) (<-chan error, error) {
		for _, l := range lines {
			log.Printf("%s", l)
		}
		done := make(chan error, 1)
		go func() {
			<-ctx.Done()
			log.Printf("Received SIGTERM, shutting down")
			done <- nil
		}()
		return done, nil
	}}
}
