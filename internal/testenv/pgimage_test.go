package testenv

import (
	"strings"
	"testing"
)

// The real-PostgreSQL variant is the same stand-in over the Debian rootfs:
// one more layer at the bottom, the real tools first on PATH; and the
// FROM-scratch images are what they were (two layers, the short PATH).
func TestRealPostgresImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Debian rootfs: not run with -short")
	}
	plain := BuildImage(t, Image{Repo: "appsmith/appsmith-ce", Tag: "v2.0.1"})
	withPG := BuildImage(t, Image{Repo: "appsmith/appsmith-ce", Tag: "v2.0.1", RealPostgres: true})
	pl, err := plain.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rl, err := withPG.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(pl) != 2 || len(rl) != 3 {
		t.Fatalf("layers: plain %d, real-PostgreSQL %d; want 2 and 3", len(pl), len(rl))
	}
	for i := range pl {
		a, _ := pl[i].Digest()
		b, _ := rl[i+1].Digest()
		if a != b {
			t.Errorf("layer %d of the stand-in differs between the variants", i)
		}
	}
	for img, want := range map[string]string{"plain": "PATH=/usr/bin:/opt/appsmith", "real": pgPath} {
		i := plain
		if img == "real" {
			i = withPG
		}
		cf, err := i.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if len(cf.Config.Env) != 1 || cf.Config.Env[0] != want {
			t.Errorf("%s image env %v, want %s", img, cf.Config.Env, want)
		}
	}
	if !strings.HasPrefix(pgPath, "PATH=/usr/lib/postgresql/15/bin:") {
		t.Errorf("pg_dump, pg_restore and psql are not first on PATH: %s", pgPath)
	}
}
