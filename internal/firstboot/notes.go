package firstboot

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Paths under the machine's root.
const (
	// CredentialsPath says where the secrets are (not what they are), the
	// URL and the next commands; 0600, root's.
	CredentialsPath = "root/appsmith-credentials"
	// MOTDPath is the text the login banner script of the image prints.
	MOTDPath = imageenv.MOTDPath
)

// Existing says whether dir already holds an instance: a state file or a
// docker.env. Then its secrets and choices stay as they are (a second first
// boot, or an instance started from a customer's snapshot of a running
// one, whose instance id changed): first boot only makes sure it runs.
func Existing(dir string) bool {
	if _, err := os.Stat(state.Path(dir)); err == nil {
		return true
	}
	_, err := os.Stat(instance.Layout{Dir: dir}.Stacks().DockerEnv())
	return err == nil
}

// Site is what the notes say about the running instance.
type Site struct {
	Dir        string
	Provider   string
	InstanceID string
	Address    string // from the metadata: public host name, public IPv4 or private IPv4
	HTTPPort   int
	HTTPSPort  int
	Domain     string // with TLS, the URL is https://Domain
	Version    string
}

// URL is where the owner opens Appsmith.
func (s Site) URL() string {
	if s.Domain != "" {
		if s.HTTPSPort != 0 && s.HTTPSPort != 443 {
			return "https://" + net.JoinHostPort(s.Domain, strconv.Itoa(s.HTTPSPort)) + "/"
		}
		return "https://" + s.Domain + "/"
	}
	host := s.Address
	if host == "" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if s.HTTPPort != 0 && s.HTTPPort != 80 {
		host += ":" + strconv.Itoa(s.HTTPPort)
	}
	return "http://" + host + "/"
}

// Credentials is the text of CredentialsPath: no secret value in it.
func (s Site) Credentials() []byte {
	var b bytes.Buffer
	env := instance.Layout{Dir: s.Dir}.Stacks().DockerEnv()
	fmt.Fprintf(&b, "# Appsmith on this %s instance (%s), written by appsmith-install firstboot.\n\n", s.Provider, s.InstanceID)
	fmt.Fprintf(&b, "URL:      %s\n", s.URL())
	fmt.Fprintf(&b, "Version:  %s\n", s.Version)
	fmt.Fprintf(&b, "Install:  %s\n", s.Dir)
	fmt.Fprintf(&b, "Secrets:  %s (0600, root only): the encryption password and salt that\n", env)
	fmt.Fprintf(&b, "          protect every datasource credential, and the database and supervisor passwords.\n")
	fmt.Fprintf(&b, "          They were generated on this instance's first boot and are in no image. Keep a\n")
	fmt.Fprintf(&b, "          copy of that file somewhere safe: without it no backup of this instance can be read.\n")
	fmt.Fprintf(&b, "Admin:    there is no default account or password. The first person to sign up at the\n")
	fmt.Fprintf(&b, "          URL becomes the administrator: open it now.\n\n")
	fmt.Fprintf(&b, "Next:\n")
	for _, c := range []string{"status", "logs -f", "backup", "backup schedule --daily 03:00", "upgrade --plan"} {
		fmt.Fprintf(&b, "  %s\n", hint.Appsmith(s.Dir, c))
	}
	return b.Bytes()
}

// MOTD is the text of MOTDPath.
func (s Site) MOTD() []byte {
	return []byte(fmt.Sprintf("Appsmith %s is running at %s\n  `%s` shows its health; where its secrets live: %s\n",
		s.Version, s.URL(), hint.Appsmith(s.Dir, "status"), "/"+CredentialsPath))
}

// WriteNotes writes the credentials note (0600) and the MOTD (0644) under
// root, each only when its text changed: a second first boot on the same
// instance leaves both as they are. It returns the paths written.
func WriteNotes(root string, s Site) ([]string, error) {
	var wrote []string
	for _, f := range []struct {
		rel  string
		body []byte
		mode os.FileMode
	}{
		{CredentialsPath, s.Credentials(), 0o600},
		{MOTDPath, s.MOTD(), 0o644},
	} {
		p := filepath.Join(root, f.rel)
		old, err := os.ReadFile(p)
		if err == nil && bytes.Equal(old, f.body) {
			if err := os.Chmod(p, f.mode); err != nil {
				return wrote, err
			}
			continue
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return wrote, err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return wrote, err
		}
		if err := fsutil.WriteFileAtomic(p, f.body, f.mode); err != nil {
			return wrote, err
		}
		wrote = append(wrote, p)
	}
	return wrote, nil
}
