package stacks

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// EncryptionKeys encrypt every datasource credential Appsmith stores. Data
// written with one pair is unreadable with any other ("Unable to invoke
// Cipher due to bad padding"), so a lost key is restored, never replaced.
var EncryptionKeys = []string{KeyEncryptionPassword, KeyEncryptionSalt}

// LostKeysError refuses to complete the docker.env of an instance that
// holds data when an encryption key is missing: a new random key would make
// the stored credentials unreadable for good. It names the keys and the
// copies found, never a value.
type LostKeysError struct {
	Env    string   // the docker.env path
	Absent bool     // the whole file is missing
	Keys   []string // the missing encryption keys
	Data   string   // why the instance counts as holding data
	Copies []string // files that hold every missing key, newest first
	Maybe  []string // files that may hold them but cannot be read here (encrypted archives)
}

func (e *LostKeysError) Error() string {
	what := "lacks " + strings.Join(e.Keys, " and ")
	if e.Absent {
		what = "is missing, with " + strings.Join(e.Keys, " and ")
	}
	return fmt.Sprintf("%s %s, but %s: a new key would make every stored datasource credential unreadable",
		e.Env, what, e.Data)
}

// Hint says how to put the keys back.
func (e *LostKeysError) Hint() string {
	keys := strings.Join(e.Keys, " and ")
	others := ""
	if len(e.Copies) > 1 {
		others = " (other copies: " + strings.Join(e.Copies[1:], ", ") + ")"
	}
	switch {
	case e.Absent && len(e.Copies) > 0:
		return fmt.Sprintf("put a copy back (`cp -p %s %s`), then re-run%s", e.Copies[0], e.Env, others)
	case len(e.Copies) > 0:
		return fmt.Sprintf("copy the %s line(s) from %s into %s, then re-run%s", keys, e.Copies[0], e.Env, others)
	case len(e.Maybe) > 0:
		return fmt.Sprintf("no plain copy found; encrypted appsmithctl archives carry the keys (%s): decrypt one and copy %s into %s, or take them from your own backup of docker.env",
			strings.Join(e.Maybe, ", "), keys, e.Env)
	default:
		return fmt.Sprintf("no copy found in this install; put %s back into %s from your own backup of docker.env (or a backup of this server)", keys, e.Env)
	}
}

// CompleteEnv is the one way to complete an existing docker.env (see
// complete): it refuses with a *LostKeysError when an encryption key is
// missing and the instance holds data, so no caller can regenerate keys
// for data encrypted with the old ones. env is changed only on success.
func (l Layout) CompleteEnv(env *EnvFile, opts EnvOptions) ([]string, error) {
	if err := l.CheckKeys(env, opts.DBURL); err != nil {
		return nil, err
	}
	// MongoDB data stays on MongoDB: a docker.env that lost its URL is
	// never completed with another database than the one holding the data.
	if opts.EmbeddedDB == EmbeddedPostgreSQL && !emptyOrAbsent(l.MongoDir()) {
		opts.EmbeddedDB = EmbeddedMongoDB
	}
	return complete(env, opts)
}

// CheckNoEnv is CheckKeys for a docker.env that does not exist, before a
// new one with new keys is written: it refuses when the embedded database
// directories hold data (whether an external database holds any cannot be
// seen from here; a caller that knows the instance existed says so with
// existed, e.g. from its state file).
func (l Layout) CheckNoEnv(existed string) error {
	why := l.HoldsDatabase(&EnvFile{}, "")
	if why == "" {
		why = existed
	}
	if why == "" {
		return nil
	}
	e := &LostKeysError{Env: l.DockerEnv(), Absent: true, Keys: EncryptionKeys, Data: why}
	e.Copies, e.Maybe = l.keyCopies(EncryptionKeys)
	return e
}

// CheckKeys returns a *LostKeysError when env lacks an encryption key while
// the instance holds data (see HoldsDatabase); dbURL is a database asked for
// now, "" for none.
func (l Layout) CheckKeys(env *EnvFile, dbURL string) error {
	var missing []string
	for _, k := range EncryptionKeys {
		if !env.Has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	why := l.HoldsDatabase(env, dbURL)
	if why == "" {
		return nil
	}
	e := &LostKeysError{Env: l.DockerEnv(), Keys: missing, Data: why}
	e.Copies, e.Maybe = l.keyCopies(missing)
	return e
}

// HoldsDatabase says why the instance may hold encrypted data, or "" when
// it is fresh: a non-empty embedded database directory, or an external
// database (its contents cannot be seen from here, so it counts as data).
func (l Layout) HoldsDatabase(env *EnvFile, dbURL string) string {
	for _, d := range []string{l.MongoDir(), l.path("data", "postgres")} {
		if !emptyOrAbsent(d) {
			return d + " holds a database"
		}
	}
	for _, u := range []string{env.DBURL(), dbURL} {
		if u != "" && !isLocalDB(u) {
			return "it uses an external database"
		}
	}
	return ""
}

// isLocalDB mirrors the entrypoint: a URL naming localhost or 127.0.0.1 is
// the embedded database.
func isLocalDB(u string) bool {
	return strings.Contains(u, "@localhost") || strings.Contains(u, "//localhost") ||
		strings.Contains(u, "127.0.0.1")
}

// keyCopies finds earlier copies of docker.env in this install that hold
// every key in keys: the installer's docker.env.bak-* files and the
// snapshots under <install dir>/backups (e.g. `appsmith tls`). Encrypted
// appsmithctl archives are listed as possible sources: they carry the keys
// but cannot be read without their password.
func (l Layout) keyCopies(keys []string) (copies, maybe []string) {
	type found struct {
		path string
		mod  int64
	}
	var hits []found
	consider := func(p string) {
		data, err := os.ReadFile(p)
		if err != nil {
			return
		}
		env, err := ParseEnv(data)
		if err != nil {
			return
		}
		for _, k := range keys {
			if v, ok := env.Get(k); !ok || v == "" {
				return
			}
		}
		var mod int64
		if st, err := os.Stat(p); err == nil {
			mod = st.ModTime().UnixNano()
		}
		hits = append(hits, found{p, mod})
	}
	if bak, err := filepath.Glob(l.DockerEnv() + ".bak*"); err == nil {
		for _, p := range bak {
			consider(p)
		}
	}
	backups := filepath.Join(filepath.Dir(l.Root), "backups")
	_ = filepath.WalkDir(backups, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && strings.Count(strings.TrimPrefix(p, backups), string(filepath.Separator)) > 3:
			return filepath.SkipDir
		case !d.IsDir() && strings.HasPrefix(d.Name(), "docker.env"):
			consider(p)
		}
		return nil
	})
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].mod > hits[j].mod })
	for _, f := range hits {
		copies = append(copies, f.path)
	}
	if enc, err := filepath.Glob(filepath.Join(l.BackupDir(), "*.enc")); err == nil {
		sort.Sort(sort.Reverse(sort.StringSlice(enc)))
		maybe = enc
	}
	return copies, maybe
}
