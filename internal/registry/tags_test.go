package registry

import (
	"context"
	"reflect"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

func TestSortVersions(t *testing.T) {
	got := SortVersions([]string{"v1.9.2", "latest", "v1.10", "v2.0.1", "release", "v1.9.38", "1.9.3", "v2.0.1-beta", "v1.99"})
	want := []string{"v2.0.1", "v1.99", "v1.10", "v1.9.38", "v1.9.2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Against a real registry (in-process, on loopback); no Docker engine needed.
func TestTagsFromARegistry(t *testing.T) {
	reg := testenv.StartRegistry(t)
	for _, tag := range []string{"v1.9.2", "v2.0.1", "latest"} {
		reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag, Version: "v2.0.1"})
	}
	got, err := Tags(context.Background(), reg.Host()+"/appsmith/appsmith-ce")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"v2.0.1", "v1.9.2"}) {
		t.Fatalf("tags %v", got)
	}
	if _, err := Tags(context.Background(), reg.Host()+"/no/such-repo"); err == nil {
		t.Fatal("listing a missing repository succeeded")
	}
}
