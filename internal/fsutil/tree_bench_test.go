//go:build linux

package fsutil

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// go test ./internal/fsutil -run X -bench Tree -benchtime 3x
// MB/s is the tree's size over the time of one pass: for the delta pass it
// says how fast an unchanged (or 1%-changed) tree is brought up to date.

func benchTree(b *testing.B) (string, int64) {
	src := filepath.Join(b.TempDir(), "src")
	makeTree(b, src, 5000)
	settle()
	var size int64
	for _, e := range scan(b, src, false) {
		size += e.size
	}
	return src, size
}

func BenchmarkCopyTree(b *testing.B) {
	src, size := benchTree(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := CopyTree(context.Background(), src, filepath.Join(b.TempDir(), fmt.Sprint(i)), TreeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCopyTreeDelta(b *testing.B) {
	for _, changed := range []int{0, 50} {
		b.Run(fmt.Sprintf("changed=%d", changed), func(b *testing.B) {
			src, size := benchTree(b)
			dst := filepath.Join(b.TempDir(), "dst")
			prev, err := CopyTree(context.Background(), src, dst, TreeOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				for j := range changed {
					k := j + (50*i)%4000
					p := filepath.Join(src, fmt.Sprintf("d%02d", k%30%10), fmt.Sprintf("sub%d", k%30), fmt.Sprintf("f%05d", k))
					os.WriteFile(p, []byte(fmt.Sprint("changed ", i)), 0o644)
				}
				b.StartTimer()
				st, err := CopyTree(context.Background(), src, dst, TreeOptions{ChangedSince: prev.Started})
				if err != nil {
					b.Fatal(err)
				}
				prev = st
				b.ReportMetric(float64(st.CopiedFiles), "copied/op")
			}
		})
	}
}
