package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/moby/client"
)

// BenchmarkBundle: `bundle create` and `bundle load` of a three-image path
// (v1.9.2 → v1.99 → v2.0.1; a 192 MiB layer they share and 16 MiB of their
// own each), beside the engine's own save and load of the same images in
// one archive (which stores the shared layer once too), in the same run.
// Target: ≤ 1.1× their time and size (the bundle also carries the
// installer: size-ratio-images leaves it out). Peak RSS of our process is reported
// to show that the stream's memory does not grow with the images.
// Reported, never asserted.
func BenchmarkBundle(b *testing.B) {
	e := setup(b)
	shared, err := random.Layer(192<<20, types.DockerLayer)
	if err != nil {
		b.Fatal(err)
	}
	var refs []string
	for _, tag := range []string{"v1.9.2", "v1.99", "v2.0.1"} {
		own, err := random.Layer(16<<20, types.DockerLayer)
		if err != nil {
			b.Fatal(err)
		}
		img, err := mutate.AppendLayers(emptyImage(b), shared, own)
		if err != nil {
			b.Fatal(err)
		}
		ref := e.reg.Ref("appsmith/appsmith-ce", tag)
		r, err := name.NewTag(ref, name.Insecure)
		if err != nil {
			b.Fatal(err)
		}
		if err := remote.Write(r, img); err != nil {
			b.Fatal(err)
		}
		refs = append(refs, ref)
	}
	work := b.TempDir()
	out := filepath.Join(work, "path.tar")
	create := []string{"bundle", "create", "--registry", e.reg.Host(), "--edition", "ce", "--from", "v1.9.2", "--to", "v2.0.1", "-o", out, "--progress", "quiet"}
	e.mustSucceed(e.run(nil, create...), "warm-up create (pulls)")
	ctx := context.Background()
	var createT, loadT, saveT, dockerLoadT time.Duration
	var createRSS, loadRSS int64
	var bundleSize, saveSize int64
	for i := 0; i < b.N; i++ {
		os.Remove(out)
		t, rss := timedRun(b, create...)
		createT, createRSS = createT+t, max(createRSS, rss)
		st, _ := os.Stat(out)
		bundleSize = st.Size()

		removeImages(b, e.cli, refs)
		t, rss = timedRun(b, "bundle", "load", out, "--progress", "quiet")
		loadT, loadRSS = loadT+t, max(loadRSS, rss)

		// The engine's own: one save of the three, one load.
		saved := filepath.Join(work, "save.tar")
		start := time.Now()
		rc, err := e.cli.ImageSave(ctx, refs)
		if err != nil {
			b.Fatal(err)
		}
		f, _ := os.Create(saved)
		n, err := io.Copy(f, rc)
		rc.Close()
		f.Sync()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		saveT += time.Since(start)
		saveSize = n
		removeImages(b, e.cli, refs)
		start = time.Now()
		in, _ := os.Open(saved)
		res, err := e.cli.ImageLoad(ctx, in, client.ImageLoadWithQuiet(true))
		if err == nil {
			_, err = io.Copy(io.Discard, res)
			res.Close()
		}
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
		dockerLoadT += time.Since(start)
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((createT / n).Milliseconds()), "create-ms")
	b.ReportMetric(float64((saveT / n).Milliseconds()), "engine-save-ms")
	b.ReportMetric(float64((loadT / n).Milliseconds()), "load-ms")
	b.ReportMetric(float64((dockerLoadT / n).Milliseconds()), "engine-load-ms")
	b.ReportMetric(float64(createT+loadT)/float64(saveT+dockerLoadT), "time-ratio")
	b.ReportMetric(float64(bundleSize>>20), "bundle-MiB")
	b.ReportMetric(float64(saveSize>>20), "engine-save-MiB")
	b.ReportMetric(float64(bundleSize)/float64(saveSize), "size-ratio")
	// The bundle carries the installer too (this linux build); without it:
	if st, err := os.Stat(binary); err == nil {
		b.ReportMetric(float64(st.Size()>>20), "installer-MiB")
		b.ReportMetric(float64(bundleSize-st.Size())/float64(saveSize), "size-ratio-images")
	}
	b.ReportMetric(float64(createRSS>>10), "create-maxrss-MiB")
	b.ReportMetric(float64(loadRSS>>10), "load-maxrss-MiB")
}

func emptyImage(b *testing.B) v1.Image {
	img, err := random.Image(0, 0)
	if err != nil {
		b.Fatal(err)
	}
	return img
}

// timedRun runs the binary (no --dir: bundles belong to no install) under
// GNU time and returns its wall time and peak RSS in KiB. Not the child's
// own rusage from here: Go starts it with CLONE_VM, so until its exec it
// shares this test process's memory (the registry's blobs), which the
// kernel counts into its peak.
func timedRun(b *testing.B, args ...string) (time.Duration, int64) {
	b.Helper()
	gnuTime, err := exec.LookPath("time")
	if err != nil {
		gnuTime = "/usr/bin/time"
	}
	cmd := exec.Command(gnuTime, append([]string{"-f", "maxrss-kib=%M", binary}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	took := time.Since(start)
	out := stderr.String()
	i := strings.LastIndex(out, "maxrss-kib=")
	if i < 0 {
		b.Fatalf("GNU time printed no maxrss:\n%s", out)
	}
	rss, err := strconv.ParseInt(strings.TrimSpace(out[i+len("maxrss-kib="):]), 10, 64)
	if err != nil {
		b.Fatalf("GNU time's maxrss: %v\n%s", err, out)
	}
	return took, rss
}
