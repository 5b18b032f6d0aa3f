// Package stacksgen writes a realistic Appsmith stacks directory of a chosen
// size for benchmarks: a few large database files, thousands of small
// git-storage files, logs and a docker.env, laid out as APPSMITH.md
// describes. The content is deterministic from a seed and about half of it
// compresses (like real data: JSON documents next to already compressed or
// random pages), so neither copying nor archiving is unrealistically cheap.
package stacksgen

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// Options says what to generate.
type Options struct {
	Size    int64  // total bytes of file content, approximately (within 1%)
	Seed    uint64 // same seed and size, same tree
	Version string // the Appsmith release that last ran on the data; "" = v1.9.2
}

// SeedUsers is how many documents appsmith.users holds in a generated tree.
const SeedUsers = 100

// Stats describes what Generate wrote.
type Stats struct {
	Files int
	Bytes int64
}

// ParseSize reads "100M", "2G", "512K" or a byte count (powers of 1024).
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	t := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, strings.TrimSuffix(t, "K")
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, strings.TrimSuffix(t, "M")
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, strings.TrimSuffix(t, "G")
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q: want a number with an optional K, M or G suffix", s)
	}
	return n * mult, nil
}

// Generate writes the stacks tree into dir, which must be absent or empty.
func Generate(dir string, o Options) (Stats, error) {
	if o.Size < 64<<10 {
		return Stats{}, fmt.Errorf("size %d too small: want at least 64K", o.Size)
	}
	if o.Version == "" {
		o.Version = "v1.9.2"
	}
	v, err := spec.ParseVersion(o.Version)
	if err != nil {
		return Stats{}, err
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return Stats{}, fmt.Errorf("%s is not empty", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return Stats{}, err
	}
	g := &gen{root: dir, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}

	mongo := spec.MongoFor(v)
	g.text("configuration/docker.env", 0o644, dockerEnv(g))
	g.text("data/mongodb/key", 0o600, g.token(1008)+"\n")
	g.text("data/mongodb/standin-mongo.json", 0o644, fmt.Sprintf(`{"version":%q,"fcv":%q,"appsmithVersion":%q}`+"\n", spec.MongoRelease(mongo), mongo, v.String()))
	// Documents the stand-in's mongosh counts (testenv.CountDocuments), so a
	// benchmark can check the data survived: appsmith.users holds SeedUsers.
	var users strings.Builder
	for i := 0; i < SeedUsers; i++ {
		fmt.Fprintf(&users, `{"_id":"user-%04d","seq":%d,"email":"user%d@example.com"}`+"\n", i, i, i)
	}
	g.text("data/mongodb/standin-docs/appsmith.users.jsonl", 0o644, users.String())
	g.text("data/postgres/main/PG_VERSION", 0o600, "14\n")
	for _, d := range []string{"data/caddy", "data/backup", "data/restore", "ssl", "ca-certs", "logs/supervisor", "logs/editor", "logs/rts"} {
		g.mkdir(d)
	}

	// Budget: 70% large database files, 20% small git-storage files, 10% logs.
	large := o.Size * 70 / 100
	small := o.Size * 20 / 100
	logs := o.Size - large - small - g.bytes
	for i, share := range []int64{30, 15, 10, 10, 5} { // of the 70
		name := []string{"data/mongodb/collection-2-1234567890.wt", "data/mongodb/index-3-1234567890.wt", "data/postgres/main/base/16384/16385", "data/mongodb/collection-7-1234567890.wt", "data/redis/dump.rdb"}[i]
		g.blob(name, large*share/70)
	}
	// Small files: a few KB each, as Git-connected apps' pages and queries;
	// their number grows with the size, from hundreds to tens of thousands.
	n := int(min(max(small/(4<<10), 100), 20000))
	for i := 0; i < n; i++ {
		app := i / 50
		path := fmt.Sprintf("git-storage/%08x/app-%04d/pages/page-%02d/queries/q-%05d.json", o.Seed&0xffffffff, app, (i/10)%5, i)
		g.jsonFile(path, small/int64(n))
	}
	for i, prog := range []string{"backend", "mongodb", "redis", "cron"} {
		g.logFile(fmt.Sprintf("logs/%s/%s-%x.log", prog, prog, i+0xabc), max(logs/4, 0))
	}
	return Stats{Files: g.files, Bytes: g.bytes}, g.err
}

type gen struct {
	root  string
	rng   *rand.Rand
	files int
	bytes int64
	err   error
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *gen) token(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[g.rng.IntN(len(alnum))]
	}
	return string(b)
}

func (g *gen) mkdir(rel string) {
	if g.err == nil {
		g.err = os.MkdirAll(filepath.Join(g.root, rel), 0o755)
	}
}

// write creates rel with fill writing its content.
func (g *gen) write(rel string, mode os.FileMode, fill func(w *bufio.Writer)) {
	if g.err != nil {
		return
	}
	path := filepath.Join(g.root, rel)
	if g.err = os.MkdirAll(filepath.Dir(path), 0o755); g.err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		g.err = err
		return
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fill(w)
	if err := w.Flush(); err != nil && g.err == nil {
		g.err = err
	}
	if err := f.Close(); err != nil && g.err == nil {
		g.err = err
	}
	if fi, err := os.Stat(path); err == nil {
		g.bytes += fi.Size()
	}
	g.files++
}

func (g *gen) text(rel string, mode os.FileMode, s string) {
	g.write(rel, mode, func(w *bufio.Writer) { _, _ = w.WriteString(s) })
}

// blob is a database file: 32 KiB pages alternating between random bytes
// and JSON-like records, so it compresses to about half.
func (g *gen) blob(rel string, size int64) {
	g.write(rel, 0o600, func(w *bufio.Writer) {
		page := make([]byte, 32<<10)
		for off, i := int64(0), 0; off < size; i++ {
			if i%2 == 0 {
				for j := 0; j+8 <= len(page); j += 8 {
					x := g.rng.Uint64()
					for k := 0; k < 8; k++ {
						page[j+k] = byte(x >> (8 * k))
					}
				}
			} else {
				page = page[:0]
				for len(page) < 32<<10 {
					page = fmt.Appendf(page, `{"_id":"%024x","name":"record %d","email":"user%d@example.com","active":%v}`+"\n", g.rng.Uint64(), g.rng.IntN(1e6), g.rng.IntN(1e4), g.rng.IntN(2) == 0)
				}
				page = page[:32<<10]
			}
			n := min(int64(len(page)), size-off)
			_, _ = w.Write(page[:n])
			off += n
		}
	})
}

func (g *gen) jsonFile(rel string, size int64) {
	g.write(rel, 0o644, func(w *bufio.Writer) {
		var b []byte
		b = fmt.Appendf(b, "{\n  \"name\": \"Query%d\",\n  \"pluginType\": \"DB\",\n  \"body\": \"", g.rng.IntN(1e5))
		for int64(len(b)) < size-4 {
			b = fmt.Appendf(b, "SELECT * FROM t%d WHERE id = %d; ", g.rng.IntN(50), g.rng.IntN(1e6))
		}
		b = append(b[:max(size-4, 0)], "\"\n}"...)
		_, _ = w.Write(b)
	})
}

func (g *gen) logFile(rel string, size int64) {
	g.write(rel, 0o644, func(w *bufio.Writer) {
		var written int64
		for i := 0; written < size; i++ {
			line := fmt.Sprintf("2024-01-02 03:%02d:%02d.%03d  INFO 1 --- [nio-8080-exec-%d] c.a.s.c.RequestLogger : GET /api/v1/pages/%x 200 %dms\n", i/60%60, i%60, i%1000, g.rng.IntN(10), g.rng.Uint32(), g.rng.IntN(900))
			if written+int64(len(line)) > size {
				line = line[:size-written]
			}
			n, _ := w.WriteString(line)
			written += int64(n)
		}
	})
}

// dockerEnv has the keys of the image's own template, with fresh secrets
// drawn from the seed.
func dockerEnv(g *gen) string {
	pw := g.token(13)
	return "# Sandbox configuration generated by test/stacksgen\n" +
		"APPSMITH_ENCRYPTION_PASSWORD=" + g.token(13) + "\n" +
		"APPSMITH_ENCRYPTION_SALT=" + g.token(13) + "\n" +
		"APPSMITH_DB_URL=mongodb://appsmith:" + pw + "@localhost/appsmith\n" +
		"APPSMITH_REDIS_URL=redis://127.0.0.1:6379\n" +
		"APPSMITH_SUPERVISOR_USER=appsmith\n" +
		"APPSMITH_SUPERVISOR_PASSWORD=" + g.token(13) + "\n" +
		"APPSMITH_DISABLE_TELEMETRY=false\n" +
		"APPSMITH_CUSTOM_DOMAIN=\n"
}
