package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/sys/unix"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// AppsmithctlName is the name appsmithctl gives an archive taken at at:
// appsmith-backup-<toISOString() with ':' as '-'>.tar.gz[.enc]. ParseName
// reads it back.
func AppsmithctlName(at time.Time, encrypted bool) string {
	n := "appsmith-backup-" + at.UTC().Format("2006-01-02T15-04-05.000Z") + ".tar.gz"
	if encrypted {
		n += ".enc"
	}
	return n
}

// ctlSensitive are the docker.env lines appsmithctl leaves out of an archive
// (by prefix, as it matches them): the target's own values are put back at
// restore.
var ctlSensitive = regexp.MustCompile(`^(APPSMITH_ENCRYPTION|APPSMITH_MONGODB|APPSMITH_DB_URL=|APPSMITH_REDIS_URL=|APPSMITH_REDIS_PASSWORD=)`)

// WriteAppsmithctl writes an archive appsmithctl restore reads, laid out as
// appsmithctl backup lays it out (see ExtractAppsmithctl): manifest.json with
// m.AppsmithVersion and m.DB.Name ("appsmith" when empty), the dump from
// src.Dump under appsmithctl's name for m.DB.Dump (MongoDump → mongodb-data.gz,
// PostgresDump → pg-data.gz, PostgresSQL → pg-data.sql: newer appsmithctl
// restores only the plain-SQL one), git-storage/ from src.Stacks (src.Skip
// applies; symlinks are kept as links, where appsmithctl's tar -h follows
// them), and docker.env (src.Env, else src.Stacks' configuration/docker.env)
// without the lines appsmithctl strips. With a passphrase the archive is
// encrypted in openssl's format and docker.env gets the encryption salt and
// password appended, as appsmithctl does; without one it carries no keys.
// Name the result with AppsmithctlName.
//
// The Manifest returned describes what was written in native terms (entry
// names, sizes, sha256), with Source "appsmithctl". After an error w holds
// part of an archive: write to a temporary name, rename only on success.
func WriteAppsmithctl(ctx context.Context, w io.Writer, m Manifest, src Source, passphrase []byte) (Manifest, error) {
	dumpName, err := ctlDumpName(m.DB.Dump)
	if err != nil {
		return Manifest{}, err
	}
	if src.Dump == nil {
		return Manifest{}, errors.New("appsmithctl format: no database dump (appsmithctl archives are online backups, not --cold)")
	}
	if m.DB.Name == "" {
		m.DB.Name = "appsmith"
	}
	env, keys, err := ctlEnvContent(src, len(passphrase) > 0)
	if err != nil {
		return Manifest{}, err
	}
	if m.Created.IsZero() {
		m.Created = time.Now()
	}
	m.Created = m.Created.UTC()

	out := w
	var enc io.WriteCloser
	if len(passphrase) > 0 {
		if enc, err = NewOpenSSLWriter(w, passphrase); err != nil {
			return Manifest{}, err
		}
		out = enc
	}
	gz := gzip.NewWriter(out)
	cw := &ctlWriter{ctx: ctx, tw: tar.NewWriter(gz), at: m.Created}

	man, _ := json.MarshalIndent(struct {
		AppsmithVersion string `json:"appsmithVersion"`
		DBName          string `json:"dbName"`
	}{m.AppsmithVersion, m.DB.Name}, "", "  ")
	err = cw.dir("./", "", 0o700, m.Created)
	if err == nil {
		err = cw.bytes("./"+ctlManifest, "", man, 0o644)
	}
	if err == nil {
		err = cw.dump("./"+dumpName, m.DB.Dump, src.Dump)
	}
	if err == nil {
		err = cw.git(src)
	}
	if err == nil {
		err = cw.bytes("./"+ctlEnv, envEntry, env, 0o600)
	}
	if err == nil {
		err = cw.tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err == nil && enc != nil {
		err = enc.Close()
	}
	if err != nil {
		return Manifest{}, err
	}
	m.Format, m.Mode, m.Source = FormatVersion, ModeOnline, SourceAppsmithctl
	m.KeysIncluded = keys
	m.DB.Tool = map[string]string{MongoDump: "mongodump", PostgresDump: "pg_dump", PostgresSQL: "pg_dump"}[m.DB.Dump]
	m.Entries = cw.entries
	return m, m.Check()
}

func ctlDumpName(dump string) (string, error) {
	switch dump {
	case MongoDump:
		return ctlMongo, nil
	case PostgresDump:
		return ctlPGCustom, nil
	case PostgresSQL:
		return ctlPGSQL, nil
	}
	return "", fmt.Errorf("appsmithctl format: the dump %q is none of %s, %s, %s", dump, MongoDump, PostgresDump, PostgresSQL)
}

// ctlEnvContent is docker.env as appsmithctl archives it: the sensitive lines
// dropped (lines split on \r?\n, joined with \n), then, when encrypting, the
// salt and password appended as the file assigns them.
func ctlEnvContent(src Source, encrypt bool) ([]byte, bool, error) {
	raw := src.Env
	if raw == nil {
		p := filepath.Join(src.Stacks, "configuration", "docker.env")
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, false, fmt.Errorf("appsmithctl format: %w", err)
		}
		raw = b
	}
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !ctlSensitive.MatchString(l) {
			kept = append(kept, l)
		}
	}
	out := strings.Join(kept, "\n")
	if !encrypt {
		return []byte(out), false, nil
	}
	env, err := stacks.ParseEnv([]byte(text))
	if err != nil {
		return nil, false, fmt.Errorf("appsmithctl format: docker.env: %w", err)
	}
	salt, sok := env.Lookup("APPSMITH_ENCRYPTION_SALT")
	pw, pok := env.Lookup("APPSMITH_ENCRYPTION_PASSWORD")
	if !sok || !pok || salt.Raw == "" || pw.Raw == "" {
		return []byte(out), false, nil
	}
	out += "\nAPPSMITH_ENCRYPTION_SALT=" + salt.Raw + "\nAPPSMITH_ENCRYPTION_PASSWORD=" + pw.Raw
	return []byte(out), true, nil
}

type ctlWriter struct {
	ctx     context.Context
	tw      *tar.Writer
	at      time.Time
	entries []Entry
}

func (c *ctlWriter) dir(name, entry string, mode uint32, mt time.Time) error {
	if err := c.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: int64(mode), ModTime: mt}); err != nil {
		return err
	}
	if entry != "" {
		c.entries = append(c.entries, Entry{Name: entry, Type: TypeDir, Mode: mode})
	}
	return nil
}

func (c *ctlWriter) bytes(name, entry string, b []byte, mode uint32) error {
	if err := c.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(mode), Size: int64(len(b)), ModTime: c.at}); err != nil {
		return err
	}
	if _, err := c.tw.Write(b); err != nil {
		return err
	}
	if entry != "" {
		sum := sha256.Sum256(b)
		c.entries = append(c.entries, Entry{Name: entry, Type: TypeFile, Mode: mode, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])})
	}
	return nil
}

// file copies size bytes of r, failing when r has fewer (a file that shrank
// while being read).
func (c *ctlWriter) file(name, entry string, r io.Reader, size int64, mode uint32, mt time.Time) error {
	if err := c.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(mode), Size: size, ModTime: mt}); err != nil {
		return err
	}
	h := sha256.New()
	if err := copyExactly(c.ctx, io.MultiWriter(c.tw, h), r, size); err != nil {
		if re := (readErr{}); errors.As(err, &re) {
			return fmt.Errorf("read %s: %w", entry, re.error)
		}
		return err
	}
	c.entries = append(c.entries, Entry{Name: entry, Type: TypeFile, Mode: mode, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

func (c *ctlWriter) dump(name, entry string, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// A section reader reads from offset 0 whatever the file's position.
	return c.file(name, entry, io.NewSectionReader(f, 0, fi.Size()), fi.Size(), 0o600, fi.ModTime())
}

// git writes git-storage/, an empty directory when the instance has none
// (appsmithctl restore moves the folder into place unconditionally).
func (c *ctlWriter) git(src Source) error {
	root := filepath.Join(src.Stacks, ctlGit)
	fi, err := os.Lstat(root)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) || (src.Skip != nil && src.Skip(ctlGit)) {
		return c.dir("./"+ctlGit+"/", gitEntry, 0o755, c.at)
	}
	if err != nil {
		return err
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := c.ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src.Stacks, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if src.Skip != nil && rel != ctlGit && src.Skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := uint32(info.Mode().Perm())
		switch {
		case d.IsDir():
			return c.dir("./"+rel+"/", StacksDir+rel, mode, info.ModTime())
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			// ExtractAppsmithctl keeps only links inside git-storage: an
			// archive this wrote must restore.
			if t == "" || path.IsAbs(t) || !within(path.Join(path.Dir(StacksDir+rel), t), gitEntry) {
				return fmt.Errorf("appsmithctl format: %s is a symlink to %q, outside git-storage, which this format cannot carry: use the native format", filepath.Join(src.Stacks, rel), t)
			}
			if err := c.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "./" + rel, Linkname: t, Mode: 0o777, ModTime: info.ModTime()}); err != nil {
				return err
			}
			c.entries = append(c.entries, Entry{Name: StacksDir + rel, Type: TypeSymlink, Mode: 0o777, Link: t})
			return nil
		case d.Type().IsRegular():
			f, err := os.OpenFile(p, os.O_RDONLY|unix.O_NOFOLLOW, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			return c.file("./"+rel, StacksDir+rel, f, fi.Size(), mode, fi.ModTime())
		}
		return nil // sockets, fifos: nothing a restore could use
	})
}
