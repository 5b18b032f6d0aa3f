package install

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

func TestLetsEncryptDNSFindings(t *testing.T) {
	cases := []struct {
		name    string
		resolve []string
		err     error
		ours    []string
		level   Level
		want    string
	}{
		{"points here", []string{"203.0.113.7"}, nil, []string{"10.0.0.2", "203.0.113.7"}, OK, "resolves to this machine"},
		{"points elsewhere", []string{"198.51.100.9"}, nil, []string{"203.0.113.7"}, Warn, "resolves to 198.51.100.9, but this machine's addresses are 203.0.113.7"},
		{"does not resolve", nil, errors.New("no such host"), []string{"203.0.113.7"}, Warn, "does not resolve yet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.o.TLS, f.o.Domain, f.o.HTTPPort, f.o.HTTPSPort = TLSLetsEncrypt, "appsmith.example.com", 80, 443
			f.in.Host.LookupHost = func(_ context.Context, host string) ([]string, error) {
				if host != "appsmith.example.com" {
					t.Errorf("looked up %q", host)
				}
				return c.resolve, c.err
			}
			f.in.Host.PublicIPs = func(context.Context) ([]string, error) { return c.ours, nil }
			_, obs, err := f.plan(t)
			if err != nil {
				t.Fatal(err)
			}
			for _, fd := range obs.Findings {
				if fd.Check == "dns" && fd.Level == c.level && strings.Contains(fd.Message, c.want) {
					return
				}
			}
			t.Fatalf("no dns finding %s %q in %+v", c.level, c.want, obs.Findings)
		})
	}
}

func TestLetsEncryptWarnsAboutOtherPorts(t *testing.T) {
	f := newFixture(t) // ports 18080/18443
	f.o.TLS, f.o.Domain = TLSLetsEncrypt, "appsmith.example.com"
	_, obs, _ := f.plan(t)
	for _, fd := range obs.Findings {
		if fd.Check == "dns" && strings.Contains(fd.Message, "ports 80 and 443") {
			return
		}
	}
	t.Fatalf("no port warning in %+v", obs.Findings)
}

func TestTLSOptionCombinations(t *testing.T) {
	cases := []struct {
		o     Options
		field string
	}{
		{Options{TLS: TLSLetsEncrypt}, "domain"},
		{Options{TLS: TLSProxy, Domain: "a.example.com"}, "domain"},
		{Options{TLS: TLSNone, Domain: "a.example.com"}, "domain"},
		{Options{TLS: TLSCustom, Key: "k.pem"}, "cert"},
		{Options{TLS: TLSCustom, Cert: "c.pem"}, "key"},
		{Options{TLS: "selfsigned"}, "tls"},
		{Options{Domain: "https://a.example.com"}, "domain"},
		{Options{Domain: "10.0.0.1"}, "domain"},
	}
	for _, c := range cases {
		_, err := NormalizeTLS(c.o)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: got %v, want a --%s error", c.o, err, c.field)
		}
	}
	o, err := NormalizeTLS(Options{Domain: "Bücher.example"})
	if err != nil || o.TLS != TLSLetsEncrypt || o.Domain != "xn--bcher-kva.example" {
		t.Fatalf("derived %q %q %v", o.TLS, o.Domain, err)
	}
	if o, _ := NormalizeTLS(Options{Cert: "c", Key: "k"}); o.TLS != TLSCustom {
		t.Fatalf("cert and key should imply custom, got %q", o.TLS)
	}
}

func TestExternalDatabaseReachability(t *testing.T) {
	f := newFixture(t)
	f.o.DBURL = "postgresql://appsmith:s3cret@db.internal:5432/appsmith"
	f.in.Host.Reachable = func(_ context.Context, url string) error {
		if url != f.o.DBURL {
			t.Errorf("checked %q", url)
		}
		return errors.New("cannot connect to db.internal:5432 from this machine: connection refused")
	}
	_, obs, err := f.plan(t)
	if err != nil {
		t.Fatal(err) // a warning, not a failure: the container's network may differ
	}
	for _, fd := range obs.Findings {
		if fd.Check == "external" && fd.Level == Warn && strings.Contains(fd.Message, "--db-url") && !strings.Contains(fd.Message, "s3cret") {
			return
		}
	}
	t.Fatalf("no reachability warning in %+v", obs.Findings)
}

func TestDockerRootDiskIsCheckedBeforeAPull(t *testing.T) {
	f := newFixture(t)
	f.d.InfoFunc = func(context.Context) (docker.EngineInfo, error) {
		return docker.EngineInfo{Host: "unix:///var/run/docker.sock", Arch: "x86_64", MemTotal: 8 << 30, DockerRootDir: "/var/lib/docker"}, nil
	}
	f.in.Host.DiskFree = func(p string) (uint64, error) {
		if p == "/var/lib/docker" {
			return 512 << 20, nil
		}
		return 50 << 30, nil
	}
	_, obs, err := f.plan(t)
	if err == nil || !strings.Contains(fmt.Sprint(obs.Findings), "Docker's data root /var/lib/docker") {
		t.Fatalf("err %v, findings %+v", err, obs.Findings)
	}
	f.image = true // present: nothing to unpack, nothing to check
	if _, _, err := f.plan(t); err != nil {
		t.Fatalf("with the image present: %v", err)
	}
}

func TestBindAddressNotOnThisMachineAndUnwritableDir(t *testing.T) {
	f := newFixture(t)
	f.in.Host.PortFree = func(string, int) error {
		return &net.OpError{Op: "listen", Net: "tcp", Err: &os.SyscallError{Syscall: "bind", Err: syscall.EADDRNOTAVAIL}}
	}
	f.in.Host.Writable = func(string) error { return os.ErrPermission }
	_, obs, err := f.plan(t)
	if err == nil {
		t.Fatal("preflight passed")
	}
	all := fmt.Sprint(obs.Findings)
	for _, want := range []string{"is not an address of this machine", "cannot write " + f.o.Dir} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q: %s", want, all)
		}
	}
	if strings.Contains(all, "in use") {
		t.Errorf("an unassigned address was reported as a port in use: %s", all)
	}
}

func TestBusyPortNamesTheContainer(t *testing.T) {
	f := newFixture(t)
	f.others = []docker.Container{{ID: "x", Name: "appsmith_appsmith_1", Image: "appsmith/appsmith-ce:release", State: "running", Running: true,
		Ports: []docker.PortBinding{{HostIP: "0.0.0.0", HostPort: f.o.HTTPPort, ContainerPort: 80}}}}
	f.in.Host.PortFree = func(_ string, port int) error {
		if port == f.o.HTTPPort {
			return errors.New("bind: address already in use")
		}
		return nil
	}
	_, obs, err := f.plan(t)
	if err == nil {
		t.Fatal("preflight passed")
	}
	all := fmt.Sprint(obs.Findings)
	if !strings.Contains(all, "published by container appsmith_appsmith_1") || !strings.Contains(all, "an Appsmith instance already") || strings.Contains(all, "appsmith upgrade") {
		t.Fatalf("findings %s", all)
	}
}
