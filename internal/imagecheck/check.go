// Package imagecheck judges a machine image's files by the publication rules
// of the marketplaces it is baked for: DigitalOcean's 99-img-check.sh
// (v1.8.1) rule for rule, the holes that script leaves (user accounts'
// keys and histories, host keys, sshd settings, cloud-init state,
// machine-id, temp files, nested and compressed logs), AWS Marketplace's AMI
// rules, and this project's own (no Appsmith secret baked in, the
// first-boot hook in place, the Appsmith image present by its digest).
//
// It reads the image through FS (an os.Root over the image's root
// directory: "/" on the machine being baked, a directory in tests and CI),
// so it never follows a link out of the tree. The few rules that need the
// running system (pending security updates, the Docker engine's images)
// take it from Options; without it they say they could not be checked
// offline (WARN), never PASS. The one exception is the Appsmith image: on a
// tree it is looked up offline in the Docker engine's image store
// (var/lib/docker/image/<driver>/repositories.json and the image config it
// names); a tree without that store (or with only the containerd
// snapshotter's) gets WARN "cannot check offline".
package imagecheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/imageenv"
)

// FS is the image's tree: names are slash-separated and relative to its
// root ("etc/shadow"). os.Root's FS and fstest.MapFS both fit.
type FS interface {
	fs.ReadFileFS
	fs.ReadDirFS
	fs.StatFS
	fs.ReadLinkFS
}

// Status is a check's verdict. Only FAIL makes `image check` exit non-zero:
// a WARN is what the marketplace's own script reports as a warning, or a
// rule that could not be judged here.
type Status string

const (
	Pass Status = "PASS"
	Warn Status = "WARN"
	Fail Status = "FAIL"
)

// Where a rule comes from.
const (
	SourceDO       = "digitalocean" // 99-img-check.sh v1.8.1 and the holes it leaves
	SourceAWS      = "aws"          // AWS Marketplace AMI policies
	SourceAppsmith = "appsmith"     // what this project's images promise
)

// Result is one check's verdict.
type Result struct {
	ID     string   `json:"id"`
	Source string   `json:"source"`
	Status Status   `json:"status"`
	Title  string   `json:"title"`
	Detail string   `json:"detail,omitempty"`
	Paths  []string `json:"paths,omitempty"` // absolute within the image ("/etc/shadow")
	Fix    string   `json:"fix,omitempty"`
}

// Report is every check's verdict, in a fixed order.
type Report struct {
	Root     string   `json:"root"`
	Provider string   `json:"provider,omitempty"` // "" when neither flag nor image.env names one: both providers' rules ran
	Pass     int      `json:"pass"`
	Warn     int      `json:"warn"`
	Fail     int      `json:"fail"`
	Results  []Result `json:"checks"`
}

// Failed says whether any check failed.
func (r Report) Failed() bool { return r.Fail > 0 }

// Get returns the result of the check with this ID.
func (r Report) Get(id string) (Result, bool) {
	for _, x := range r.Results {
		if x.ID == id {
			return x, true
		}
	}
	return Result{}, false
}

// Options are what the tree alone cannot tell.
type Options struct {
	// Root is the image's root as the user named it, for the report.
	Root string
	// Provider restricts provider-specific rules (aws | digitalocean); ""
	// takes image.env's, and runs both providers' rules when there is none.
	Provider string
	// Live says the tree is the running system ("/"): what must be there
	// after a real `image prepare` (the Docker engine) fails when missing
	// instead of being left to a real run.
	Live bool
	// SecurityUpdates lists the pending security updates of the running
	// system; nil: not checked (WARN).
	SecurityUpdates func(ctx context.Context) ([]string, error)
	// ImagePresent says whether the Docker engine holds ref; nil: read the
	// engine's image store in the tree, offline.
	ImagePresent func(ctx context.Context, ref string) (bool, error)
}

// check is one rule. providers limits it to images for those clouds.
type check struct {
	id, source, title string
	providers         []string
	run               func(c *ctx) verdict
}

// verdict is what a rule found: the worst status, the offending paths.
type verdict struct {
	status Status
	detail string
	paths  []string
	fix    string
}

func pass(detail string) verdict { return verdict{status: Pass, detail: detail} }

// ctx is what every rule reads from.
type ctx struct {
	context.Context
	fs    FS
	opts  Options
	image *imageenv.Image // nil when image.env is missing or invalid
	users []account
}

// Run judges the tree.
func Run(c context.Context, fsys FS, opts Options) Report {
	x := &ctx{Context: c, fs: fsys, opts: opts}
	if b, err := fsys.ReadFile(imageenv.Path); err == nil {
		if im, err := imageenv.Parse(b); err == nil {
			x.image = &im
		}
	}
	provider := opts.Provider
	if provider == "" && x.image != nil {
		provider = x.image.Provider
	}
	x.users, _ = readAccounts(fsys)
	rep := Report{Root: opts.Root, Provider: provider}
	for _, ch := range checks() {
		if provider != "" && len(ch.providers) > 0 && !slices.Contains(ch.providers, provider) {
			continue
		}
		v := ch.run(x)
		if v.status == Pass {
			v.fix = ""
		}
		rep.Results = append(rep.Results, Result{ID: ch.id, Source: ch.source, Status: v.status, Title: ch.title, Detail: v.detail, Paths: v.paths, Fix: v.fix})
		switch v.status {
		case Pass:
			rep.Pass++
		case Warn:
			rep.Warn++
		default:
			rep.Fail++
		}
	}
	return rep
}

// IDs lists every check's ID in report order.
func IDs() []string {
	var ids []string
	for _, ch := range checks() {
		ids = append(ids, ch.id)
	}
	return ids
}

func checks() []check {
	var all []check
	all = append(all, doChecks()...)
	all = append(all, accountChecks()...)
	all = append(all, sshChecks()...)
	all = append(all, systemChecks()...)
	all = append(all, appsmithChecks()...)
	return all
}

// abs names a tree path the way the image's owner sees it.
func abs(name string) string { return "/" + strings.TrimPrefix(name, "/") }

// exists says whether name is there (a dangling or escaping link counts).
func (c *ctx) exists(name string) bool {
	_, err := fs.Lstat(c.fs, name)
	return err == nil
}

// size is a regular file's size; -1 when it is missing, not regular or
// unreadable.
func (c *ctx) size(name string) int64 {
	fi, err := fs.Lstat(c.fs, name)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

// entries lists a directory's names; a missing directory has none.
func (c *ctx) entries(dir string) []fs.DirEntry {
	des, err := c.fs.ReadDir(dir)
	if err != nil {
		return nil
	}
	return des
}

// isDir says whether name is a directory (not through a link).
func (c *ctx) isDir(name string) bool {
	fi, err := fs.Lstat(c.fs, name)
	return err == nil && fi.IsDir()
}

// walk visits the regular files and links under dir, never following a
// link, at most depth levels down.
func (c *ctx) walk(dir string, depth int, fn func(name string, d fs.DirEntry)) {
	base := strings.Count(dir, "/")
	_ = fs.WalkDir(c.fs, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // a missing or unreadable directory holds nothing to judge
		}
		if d.IsDir() {
			if p != dir && strings.Count(p, "/")-base >= depth {
				return fs.SkipDir
			}
			return nil
		}
		fn(p, d)
		return nil
	})
}

// read returns the file's bytes; a link that leads out of the tree or
// anything unreadable is an error that names the path.
func (c *ctx) read(name string) ([]byte, error) {
	b, err := c.fs.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", abs(name), err)
	}
	return b, err
}

// OpenRoot opens dir as an image tree: every read stays under dir.
func OpenRoot(dir string) (FS, func() error, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	f, ok := r.FS().(FS)
	if !ok {
		r.Close()
		return nil, nil, fmt.Errorf("os.Root's FS lacks ReadLink")
	}
	return f, r.Close, nil
}

// join builds a tree path from parts without a leading slash.
func join(parts ...string) string {
	return strings.TrimPrefix(path.Join(parts...), "/")
}
