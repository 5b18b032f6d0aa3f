package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
)

var (
	_ Saver  = (*dockerfake.Engine)(nil)
	_ Loader = (*dockerfake.Engine)(nil)
)

var tags = []string{"v1.8.15", "v1.9.1", "v1.9.2", "v1.99", "v2.0.1"}

// saveArchive is a small archive in the engine's save layout, with a layer
// two images share stored once.
func saveArchive(t *testing.T) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, body string) {
		typ := byte(tar.TypeReg)
		if strings.HasSuffix(name, "/") {
			typ = tar.TypeDir
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: typ, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	add("shared/", "")
	add("shared/layer.tar", strings.Repeat("base layer ", 1000))
	add("a/layer.tar", "layer of v1.8.15")
	add("manifest.json", `[{"Config":"c1.json","RepoTags":["r/appsmith-ce:v1.8.15"]}]`)
	tw.Close()
	return buf.Bytes()
}

func engineWith(t *testing.T, archive []byte) *dockerfake.Engine {
	e := dockerfake.New(t)
	e.ImagePullFunc = func(context.Context, string, func(docker.PullEvent)) error { return nil }
	e.ImageInspectFunc = func(_ context.Context, ref string) (docker.Image, error) {
		return docker.Image{ID: "sha256:id-" + ref[strings.LastIndex(ref, ":")+1:], RepoDigests: []string{repository(ref) + "@sha256:d-" + ref}, Size: 100}, nil
	}
	e.ImageSaveFunc = func(context.Context, []string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(archive)), nil
	}
	return e
}

func repository(ref string) string { return ref[:strings.LastIndex(ref, ":")] }

func create(t *testing.T, key *PrivateKey) ([]byte, Manifest) {
	t.Helper()
	m, err := Plan("r/appsmith-ce", "v1.8.15", "v2.0.1", tags, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m, err = Write(context.Background(), &out, engineWith(t, saveArchive(t)), m, CreateOptions{Key: key, Pull: true})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), m
}

func keys(t *testing.T) (PrivateKey, PublicKey, string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	pub, err := GenerateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ReadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", st.Mode().Perm())
	}
	if _, err := GenerateKey(path); err == nil {
		t.Error("GenerateKey overwrote an existing key")
	}
	return priv, pub, path + ".pub"
}

func TestRoundTrip(t *testing.T) {
	priv, pub, pubPath := keys(t)
	b, m := create(t, &priv)
	var vs []string
	for _, h := range m.Path {
		vs = append(vs, h.To)
	}
	if got := strings.Join(vs, " "); got != "v1.9.2 v1.99 v2.0.1" {
		t.Errorf("path %s, want the checkpoints v1.9.2 v1.99 then v2.0.1", got)
	}
	if len(m.Images) != 4 || m.Images[0].ID != "sha256:id-v1.8.15" || m.Images[3].Digest != "r/appsmith-ce@sha256:d-r/appsmith-ce:v2.0.1" {
		t.Errorf("images %+v", m.Images)
	}
	rp, err := ReadPublicKey(pubPath)
	if err != nil || rp.ID() != pub.ID() {
		t.Fatalf("public key read back: %v %v", rp.ID(), err)
	}
	s, err := Verify(context.Background(), bytes.NewReader(b), &rp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Signed || !s.Trusted || s.KeyID != pub.ID() || s.Manifest.To != "v2.0.1" || s.Members != 5 {
		t.Errorf("summary %+v", s)
	}
}

// loadEngine records what reached the engine's load.
func loadEngine(t *testing.T, m Manifest) (*dockerfake.Engine, *bytes.Buffer) {
	e := dockerfake.New(t)
	var loaded bytes.Buffer
	present := false
	e.ImageInspectFunc = func(_ context.Context, ref string) (docker.Image, error) {
		if !present {
			return docker.Image{}, dockerfake.NotFound(ref)
		}
		for _, img := range m.Images {
			if img.Ref == ref {
				return docker.Image{ID: img.ID}, nil
			}
		}
		return docker.Image{}, dockerfake.NotFound(ref)
	}
	e.ImageLoadFunc = func(_ context.Context, r io.Reader) ([]string, error) {
		_, err := io.Copy(&loaded, r)
		present = err == nil
		return nil, err
	}
	return e, &loaded
}

func opener(b []byte) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func TestLoadRebuildsTheSaveArchive(t *testing.T) {
	b, m := create(t, nil)
	e, loaded := loadEngine(t, m)
	res, err := Load(context.Background(), opener(b), e, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Signed || len(res.Images) != 4 {
		t.Errorf("result %+v", res)
	}
	// The engine got the save archive's members, byte for byte.
	want, got := members(t, saveArchive(t)), members(t, loaded.Bytes())
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("loaded %v, want %v", got, want)
	}
}

func members(t *testing.T, b []byte) []string {
	tr := tar.NewReader(bytes.NewReader(b))
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out = append(out, h.Name+"="+string(body))
	}
}

func TestRefusedBundlesLoadNothing(t *testing.T) {
	priv, _, _ := keys(t)
	other, otherPub, _ := keys(t)
	_ = other
	signed, m := create(t, &priv)
	unsigned, _ := create(t, nil)
	tamper := func(b []byte) []byte {
		i := bytes.Index(b, []byte("layer of v1.8.15"))
		c := append([]byte(nil), b...)
		c[i] = 'L'
		return c
	}
	cases := []struct {
		name    string
		b       []byte
		trusted *PublicKey
		want    error
		msg     string
	}{
		{"tampered member", tamper(signed), nil, ErrInvalid, "images/a/layer.tar does not match its checksum"},
		{"truncated", signed[:len(signed)/2], nil, ErrInvalid, "truncated"},
		{"cut at a member", cutBefore(t, signed, ChecksumsName), nil, ErrInvalid, "without checksums.sha256"},
		{"wrong key", signed, &otherPub, ErrBadSignature, "not by the trusted key"},
		{"unsigned with a trusted key", unsigned, &otherPub, ErrUnsigned, "not signed"},
		{"tampered checksums and member", tamperSums(t, tamper(signed)), nil, ErrBadSignature, "changed after key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Verify(context.Background(), bytes.NewReader(c.b), c.trusted, nil); !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("verify: %v, want %v with %q", err, c.want, c.msg)
			}
			e, loaded := loadEngine(t, m)
			_, err := Load(context.Background(), opener(c.b), e, LoadOptions{Trusted: c.trusted})
			if !errors.Is(err, c.want) {
				t.Errorf("load: %v, want %v", err, c.want)
			}
			if loaded.Len() != 0 || len(e.Calls()) != 0 {
				t.Errorf("a refused bundle reached the engine: %v", e.Methods())
			}
		})
	}
}

// cutBefore is b ended (with a proper tar end) before member name.
func cutBefore(t *testing.T, b []byte, name string) []byte {
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			tw.Close()
			return out.Bytes()
		}
		tw.WriteHeader(h)
		io.Copy(tw, tr)
	}
}

// tamperSums rewrites checksums.sha256 to match the tampered member, as an
// attacker without the key would: only the signature can tell.
func tamperSums(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(bytes.NewReader(b))
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		body, _ := io.ReadAll(tr)
		if h.Name == ChecksumsName {
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(string(body)), "\n") {
				hx, n, _ := strings.Cut(l, "  ")
				if s, ok := got[n]; ok {
					hx = s
				}
				lines = append(lines, hx+"  "+n)
			}
			body = []byte(strings.Join(lines, "\n") + "\n")
			h.Size = int64(len(body))
		} else {
			got[h.Name] = sha(h, body)
		}
		tw.WriteHeader(h)
		tw.Write(body)
	}
	tw.Close()
	return out.Bytes()
}

func TestMissingHop(t *testing.T) {
	m, err := Plan("r/appsmith-ce", "v1.8.15", "v1.9.2", tags, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Plan("r/appsmith-ce", "v1.8.15", "v2.0.1", []string{"v1.8.15", "v1.9.2", "v2.0.1"}, time.Unix(0, 0)); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Errorf("a registry without a v1.96–v1.99 tag: %v", err)
	}
	// A bundle to v1.9.2 does not cover an upgrade to v2.0.1.
	hops := []string{"v1.9.2", "v1.99", "v2.0.1"}
	missing, ok := m.Covers("", hopsTo(hops))
	if ok || missing != "v1.99" {
		t.Errorf("Covers: %q %v, want v1.99 missing", missing, ok)
	}
	e, loaded := loadEngine(t, m)
	b, _ := create(t, nil)
	if _, err := Load(context.Background(), opener(b), e, LoadOptions{Only: []string{"v9.9.9"}}); err == nil || loaded.Len() != 0 {
		t.Errorf("load of a version the bundle lacks: %v, %d bytes loaded", err, loaded.Len())
	}
}

func TestLoadPushesUnderTheRegistry(t *testing.T) {
	b, m := create(t, nil)
	e, _ := loadEngine(t, m)
	var tagged, pushed []string
	e.ImageTagFunc = func(_ context.Context, src, target string) error {
		tagged = append(tagged, src+" "+target)
		return nil
	}
	e.ImagePushFunc = func(_ context.Context, ref string, _ func(docker.PullEvent)) error {
		pushed = append(pushed, ref)
		return nil
	}
	res, err := Load(context.Background(), opener(b), e, LoadOptions{PushTo: "mirror.local:5000/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pushed) != 4 || pushed[0] != "mirror.local:5000/r/appsmith-ce:v1.8.15" || tagged[0] != "sha256:id-v1.8.15 mirror.local:5000/r/appsmith-ce:v1.8.15" {
		t.Errorf("tagged %v, pushed %v", tagged, pushed)
	}
	if res.Images[3].Pushed != "mirror.local:5000/r/appsmith-ce:v2.0.1" {
		t.Errorf("result %+v", res.Images[3])
	}
	for _, c := range []struct{ ref, want string }{
		{"index.docker.io/appsmith/appsmith-ee:v1.9.2", "m:5000/appsmith/appsmith-ee:v1.9.2"},
		{"appsmith/appsmith-ce:v1.99", "m:5000/appsmith/appsmith-ce:v1.99"},
		{"127.0.0.1:4000/appsmith/appsmith-ce:v2.0.1", "m:5000/appsmith/appsmith-ce:v2.0.1"},
	} {
		if got, err := Retag(c.ref, "m:5000"); err != nil || got != c.want {
			t.Errorf("Retag(%s) = %s, %v; want %s", c.ref, got, err, c.want)
		}
	}
	if _, err := Retag("appsmith/appsmith-ce:v1", "bad host:x"); err == nil {
		t.Error("Retag accepted a registry with a space")
	}
}

// A bundle whose images the engine has already (same IDs) is verified and
// not loaded again.
func TestLoadFindsLoadedImages(t *testing.T) {
	b, m := create(t, nil)
	e, loaded := loadEngine(t, m)
	if _, err := Load(context.Background(), opener(b), e, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	loaded.Reset()
	if _, err := Load(context.Background(), opener(b), e, LoadOptions{Only: []string{"v1.9.2"}}); err != nil {
		t.Fatal(err)
	}
	if loaded.Len() != 0 {
		t.Error("images the engine had were loaded again")
	}
}
