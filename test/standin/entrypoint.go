package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// app is one run of the entrypoint: what it read at start and the state the
// programs share.
type app struct {
	l          layout
	con        *console
	host       string
	cfg        spec.Config
	version    spec.Version
	bootDelay  time.Duration
	env        map[string]string
	localMongo bool
	localPG    bool // APPSMITH_DB_URL is a local postgresql: URL: the embedded PostgreSQL runs
	realPG     bool // localPG, and the image has the real PostgreSQL (realpg.go)
	mongo      mongod
	backendUp  atomic.Bool
	httpAddr   string
	httpsAddr  string
}

func entrypoint(l layout) int {
	a := &app{l: l, con: &console{w: os.Stdout}, httpAddr: ":80", httpsAddr: ":443"}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	code, err := a.run(os.Environ(), stop)
	if err != nil {
		a.con.Printf("ERROR: %v", err)
	}
	return code
}

// run is the entrypoint proper; it returns the container's exit status.
func (a *app) run(environ []string, stop <-chan os.Signal) (int, error) {
	if err := a.prepare(environ); err != nil {
		return exitCode(err), err
	}
	sup, err := openProgLog(a.l, a.con, "supervisor", a.host)
	if err != nil {
		return 1, err
	}
	defer sup.Close()
	s := newSupervisor(sup)
	s.keepRunning = a.cfg.KeepRunning
	progs := []program{idleProgram("rts", 15, "RTS version "+a.version.String()+" running at http://localhost:8091"), a.backendProgram(), a.editorProgram()}
	if a.localMongo {
		progs = append(progs, a.mongodbProgram())
	}
	switch {
	case a.realPG:
		progs = append(progs, a.realPostgresProgram())
	case a.localPG:
		progs = append(progs, idleProgram("postgres", 5, "database system is ready to accept connections"))
	}
	if isLocalURL(a.env["APPSMITH_REDIS_URL"]) {
		progs = append(progs, a.redisProgram())
	}
	for _, p := range progs {
		pl, err := openProgLog(a.l, a.con, p.name, a.host)
		if err != nil {
			return 1, err
		}
		defer pl.Close()
		pl.noForward = a.cfg.Fault == spec.FaultNoForward
		s.add(p, pl)
	}

	ln, err := listenControl(a.l)
	if err != nil {
		return 1, err
	}
	defer ln.Close()
	go serveControl(ln, s)

	sup.Printf("INFO supervisord started with pid %d", pid())
	if err := s.startAll(); err != nil {
		s.stopAll()
		return exitCode(err), err
	}
	select {
	case sig := <-stop:
		sup.Printf("WARN received %s indicating exit request", sigName(sig))
		s.stopAll()
		return 0, nil
	case err := <-s.fatal:
		s.stopAll()
		return exitCode(err), err
	}
}

func sigName(sig os.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// prepare is the shell part of the real entrypoint: layout, docker.env,
// environment, database and CA checks, everything before supervisord.
func (a *app) prepare(environ []string) error {
	a.con.Printf("Running as: %s", idLine())
	info, _, err := a.l.readInfo()
	if err != nil {
		return err
	}
	if a.version, err = spec.ParseVersion(info.Version); err != nil {
		return err
	}
	if a.cfg, err = a.l.readConfig(); err != nil {
		return err
	}
	if a.bootDelay, err = a.cfg.Delay(); err != nil {
		return err
	}
	a.mongo.major = a.cfg.MongoVersion
	if a.mongo.major == "" {
		a.mongo.major = spec.MongoFor(a.version)
	}
	a.mongo.path = a.l.stacks("data", "mongodb", mongoStateFile)
	a.mongo.docs = docStore{dir: a.l.stacks("data", "mongodb", "standin-docs")}
	a.host = lookupEnv(environ, "HOSTNAME")
	if a.host == "" {
		a.host, _ = os.Hostname()
	}

	if err := a.l.makeStacks(); err != nil {
		return err
	}
	if err := initEnvFile(a.l, a.con, a.version); err != nil {
		return err
	}
	if a.env, err = loadEnv(a.l, a.con, environ); err != nil {
		return err
	}
	a.con.Printf("Checking environment configuration")
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT"} {
		if a.env[k] == "" {
			return exitf(1, "%s is empty: refusing to start, stored datasource credentials could not be decrypted (set it in docker.env)", k)
		}
	}
	if a.cfg.Fault == spec.FaultCrash {
		return exitf(1, "Unexpected error during start: stand-in image built with fault mode %q", spec.FaultCrash)
	}

	a.con.Printf("Checking APPSMITH_DB_URL")
	if a.localMongo = usesLocalMongo(a.env); a.localMongo {
		a.con.Printf("Detected local MongoDB")
		if err := a.initMongoKey(); err != nil {
			return err
		}
	}
	// Only postgresql: is PostgreSQL to the entrypoint and run-java.sh.
	if a.localPG = strings.HasPrefix(a.env["APPSMITH_DB_URL"], "postgresql:") && isLocalURL(a.env["APPSMITH_DB_URL"]); a.localPG {
		a.con.Printf("Detected local PostgreSQL")
		a.realPG = a.l.hasRealPostgres()
		if err := a.initPostgres(); err != nil {
			return err
		}
	}
	a.setupCACerts()
	if a.cfg.Fault == spec.FaultCorruptOnStart {
		return a.corruptData()
	}
	return nil
}

// corruptData tears the file the next start reads first (the mongod state,
// or the backend's record when the database is external) and fails.
func (a *app) corruptData() error {
	path := a.backendStatePath()
	if a.localMongo {
		path = a.mongo.path
	}
	b, _ := os.ReadFile(path)
	torn := append(b[:len(b)/2:len(b)/2], "\x00\x00\x00\xffWT_ERROR: non-specific WiredTiger error"...)
	if err := os.WriteFile(path, torn, 0o644); err != nil {
		return err
	}
	a.con.Printf("mongod: WiredTiger error (-31802) [%s]: __wt_block_read_off: read checksum error", path)
	return exitf(100, "Unexpected error during start: data file %s is corrupt (stand-in fault %q)", path, spec.FaultCorruptOnStart)
}

// idLine is what `id` prints; the image runs as root like the real one.
func idLine() string {
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 && gid == 0 {
		return "uid=0(root) gid=0(root) groups=0(root)"
	}
	return fmt.Sprintf("uid=%d gid=%d groups=%d", uid, gid, gid)
}

func lookupEnv(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// initMongoKey creates the replica-set key file the real entrypoint keeps in
// data/mongodb/key (`openssl rand -base64 756`).
func (a *app) initMongoKey() error {
	a.con.Printf("Initializing local database")
	path := a.l.stacks("data", "mongodb", "key")
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	b := make([]byte, 756)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(b)+"\n"), 0o600)
}
