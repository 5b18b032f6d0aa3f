// Package bench measures the backup archive format beside the tools a user
// would otherwise reach for (tar -czf, tar -xzf) and the disk's read rate
// (cat), on a generated stacks directory. It reports; it never asserts.
package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/test/stacksgen"
)

// The benchmark runs each side in a child process, so peak RSS (from the
// child's rusage) is the tool's own, not the test binary's.
const childEnv = "APPSMITH_BENCH_CHILD"

func TestMain(m *testing.M) {
	if op := os.Getenv(childEnv); op != "" {
		if err := child(op); err != nil {
			fmt.Fprintln(os.Stderr, op+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child runs one side of the benchmark: "backup" (BENCH_SRC to BENCH_OUT,
// for BENCH_RECIPIENT or the passphrase in BENCH_PASS) or "restore"
// (BENCH_IN into BENCH_DST, with the identity in BENCH_IDENTITY).
func child(op string) error {
	ctx := context.Background()
	switch op {
	case "backup":
		f, err := os.Create(os.Getenv("BENCH_OUT"))
		if err != nil {
			return err
		}
		defer f.Close()
		enc := backup.Encrypt{Passphrase: []byte(os.Getenv("BENCH_PASS"))}
		if r := os.Getenv("BENCH_RECIPIENT"); r != "" {
			enc = backup.Encrypt{Recipients: []string{r}}
		}
		m := backup.Manifest{Mode: backup.ModeCold, AppsmithVersion: "v1.9.2", Created: time.Now()}
		if _, _, err := backup.Write(ctx, f, m, backup.Source{Stacks: os.Getenv("BENCH_SRC")}, enc, backup.WriteOptions{}); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		return f.Close()
	case "restore":
		f, err := os.Open(os.Getenv("BENCH_IN"))
		if err != nil {
			return err
		}
		defer f.Close()
		id, err := os.ReadFile(os.Getenv("BENCH_IDENTITY"))
		if err != nil {
			return err
		}
		_, err = backup.ExtractNative(ctx, f, backup.Decrypt{Identities: id}, os.Getenv("BENCH_DST"))
		return err
	}
	return fmt.Errorf("unknown child %q", op)
}

// run is one measured child: wall time and peak RSS.
type run struct {
	wall  time.Duration
	cpu   time.Duration // user + system, the children's included
	rssMB float64       // MiB
}

func measure(b *testing.B, cmd *exec.Cmd) run {
	b.Helper()
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%v: %v", cmd.Args, err)
	}
	wall := time.Since(start)
	// wait4's rusage covers the child and the children it waited for (tar's
	// gzip): ru_maxrss is the largest of them, in KiB on Linux.
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return run{wall: wall, cpu: cpu, rssMB: float64(ru.Maxrss) / 1024}
}

func self(op string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, childEnv+"="+op)...)
	return cmd
}

func shell(script string, args ...string) *exec.Cmd {
	return exec.Command("bash", append([]string{"-c", "set -euo pipefail; " + script, "bash"}, args...)...)
}

// stacksDir generates the stacks directory once per size and keeps it
// between runs (generating 2 GB takes longer than archiving it).
func stacksDir(b *testing.B, size string) (string, int64) {
	b.Helper()
	n, err := stacksgen.ParseSize(size)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(os.TempDir(), "appsmith-bench-stacks-"+size)
	stacks := filepath.Join(dir, "stacks")
	if _, err := os.Stat(filepath.Join(dir, "complete")); err != nil {
		os.RemoveAll(dir)
		if _, err := stacksgen.Generate(stacks, stacksgen.Options{Size: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "complete"), nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var total int64
	filepath.WalkDir(stacks, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return err
	})
	return stacks, total
}

func fileSize(b *testing.B, p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkArchive backs up and restores a generated stacks directory
// (APPSMITH_BENCH_SIZE, default 2G) with this format and with tar+gzip, in
// the same run, and reads it with cat. Everything runs warm (the files in
// the page cache for every tool alike); restores end with a syncfs for both.
// cat is the read rate of the files, cp -a the rate the file system takes
// them at: on a slow disk or a busy machine both bound any backup and
// restore, and the CPU seconds per GB say what each tool itself costs.
// Targets (issue 10): backup and restore ≥ 8× tar+gzip, archive ≤ 1.1×
// gzip's size, peak RSS ≤ 100 MiB.
func BenchmarkArchive(b *testing.B) {
	for _, tool := range []string{"tar", "gzip", "bash", "sync", "cp"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s is missing", tool)
		}
	}
	size := os.Getenv("APPSMITH_BENCH_SIZE")
	if size == "" {
		size = "2G"
	}
	stacks, total := stacksDir(b, size)
	parent := filepath.Dir(stacks)
	work := b.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	idFile := filepath.Join(work, "key.txt")
	passFile := filepath.Join(work, "pass")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(passFile, []byte("a passphrase\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	var cat, cp, targz, untargz, ours, oursPass, restore run
	var gzSize, ourSize int64
	add := func(sum *run, r run) {
		sum.wall += r.wall
		sum.cpu += r.cpu
		sum.rssMB = max(sum.rssMB, r.rssMB)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tgz := filepath.Join(work, "stacks.tar.gz")
		arch := filepath.Join(work, "stacks.tar.zst.age")
		archPass := filepath.Join(work, "pass.tar.zst.age")
		add(&cat, measure(b, shell(`find "$1" -type f -print0 | xargs -0 cat >/dev/null`, stacks)))
		add(&targz, measure(b, shell(`tar -czf "$1" -C "$2" stacks && sync -f "$1"`, tgz, parent)))
		add(&ours, measure(b, self("backup", "BENCH_SRC="+stacks, "BENCH_OUT="+arch, "BENCH_RECIPIENT="+id.Recipient().String())))
		add(&oursPass, measure(b, self("backup", "BENCH_SRC="+stacks, "BENCH_OUT="+archPass, "BENCH_PASS=a passphrase")))
		gzSize, ourSize = fileSize(b, tgz), fileSize(b, arch)
		for _, d := range []string{"x-tar", "x-ours"} {
			if err := os.Mkdir(filepath.Join(work, d), 0o700); err != nil {
				b.Fatal(err)
			}
		}
		add(&untargz, measure(b, shell(`tar -xzf "$1" -C "$2" && sync -f "$2"`, tgz, filepath.Join(work, "x-tar"))))
		add(&restore, measure(b, self("restore", "BENCH_IN="+arch, "BENCH_DST="+filepath.Join(work, "x-ours"), "BENCH_IDENTITY="+idFile)))
		// cp -a: what writing the same files costs the file system at all,
		// the floor for any restore.
		add(&cp, measure(b, shell(`cp -a "$1" "$2" && sync -f "$2"`, stacks, filepath.Join(work, "x-cp"))))
		b.StopTimer()
		for _, p := range []string{tgz, arch, archPass, filepath.Join(work, "x-tar"), filepath.Join(work, "x-ours"), filepath.Join(work, "x-cp")} {
			if err := os.RemoveAll(p); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	n := float64(b.N)
	rate := func(r run) float64 { return float64(total) / 1e6 / (r.wall.Seconds() / n) }
	// CPU seconds per GB: what each costs on a busy machine, where wall
	// time depends on the neighbours.
	cpu := func(r run) float64 { return r.cpu.Seconds() / n / (float64(total) / 1e9) }
	b.ReportMetric(float64(total)/1e6, "MB-input")
	b.ReportMetric(cpu(targz), "targz-cpu-s/GB")
	b.ReportMetric(cpu(ours), "backup-cpu-s/GB")
	b.ReportMetric(cpu(untargz), "untargz-cpu-s/GB")
	b.ReportMetric(cpu(restore), "restore-cpu-s/GB")
	b.ReportMetric(rate(cat), "cat-MB/s")
	b.ReportMetric(rate(targz), "targz-MB/s")
	b.ReportMetric(rate(ours), "backup-MB/s")
	b.ReportMetric(rate(oursPass), "backup-pass-MB/s")
	b.ReportMetric(rate(ours)/rate(targz), "backup-x-targz")
	b.ReportMetric(rate(ours)/rate(cat), "backup-x-cat")
	b.ReportMetric(rate(untargz), "untargz-MB/s")
	b.ReportMetric(rate(restore), "restore-MB/s")
	b.ReportMetric(rate(restore)/rate(untargz), "restore-x-tarxz")
	b.ReportMetric(rate(cp), "cp-a-MB/s")
	b.ReportMetric(rate(restore)/rate(cp), "restore-x-cp")
	b.ReportMetric(float64(ourSize)/float64(gzSize), "size-x-gz")
	b.ReportMetric(targz.rssMB, "targz-RSS-MiB")
	b.ReportMetric(ours.rssMB, "backup-RSS-MiB")
	b.ReportMetric(oursPass.rssMB, "backup-pass-RSS-MiB")
	b.ReportMetric(restore.rssMB, "restore-RSS-MiB")
}
