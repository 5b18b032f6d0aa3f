package backup

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Two backups into one store in the same second (two installs, one
// schedule time) both land: the later takes the next second's name.
func TestCreateSameSecondSameStore(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "stacks", "configuration")
	must(t, os.MkdirAll(conf, 0o755))
	must(t, os.WriteFile(filepath.Join(conf, "docker.env"), []byte("APPSMITH_DB_URL=mongodb://localhost/appsmith\nAPPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\n"), 0o600))
	store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "store"), S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	opts := CreateOptions{Store: store, Cold: true, Host: "h", Now: func() time.Time { return at }}
	// A stopped instance's cold backup touches no container.
	in := Instance{Dir: dir, Version: "v1.9.2", Running: false}
	sink := engine.SinkFunc(func(engine.Event) {})
	a, err := Create(context.Background(), in, opts, sink)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Create(context.Background(), in, opts, sink)
	if err != nil {
		t.Fatalf("the second backup of the same second: %v", err)
	}
	if a.Name == b.Name {
		t.Fatalf("both named %s", a.Name)
	}
	objs, _ := store.List(context.Background())
	if len(objs) != 2 {
		t.Errorf("%d archives in the store, want 2", len(objs))
	}
}
