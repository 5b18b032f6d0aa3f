package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/appsmith-install/appsmith-install/install"
)

// DocsName is the command name the reference is written for: what an
// operator types on day two (the package links it to appsmith-install).
const DocsName = "appsmith"

// docsDate stamps the man pages. A fixed date keeps them reproducible and
// the staleness test meaningful; it changes when the docs are regenerated
// for a release, if ever.
var docsDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// GenerateDocs writes the command reference generated from the cobra tree
// into dir: cli/*.md (one page per command), man/*.1, and config.md (every
// install.yaml key with its flag and environment variable, and every other
// environment variable the tool reads). docs/ in the repository is this
// output; a test fails when it is stale (go test ./internal/cli -run
// TestDocs -update rewrites it).
func GenerateDocs(dir string) error {
	root, _ := newRoot(DocsName, IO{Getenv: func(string) string { return "" }}, Deps{})
	root.DisableAutoGenTag = true   // no build date in the files
	root.InitDefaultCompletionCmd() // cobra adds it at Execute; the reference needs it now
	for _, sub := range []string{"cli", "man"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(root, filepath.Join(dir, "cli")); err != nil {
		return err
	}
	hdr := &doc.GenManHeader{Title: strings.ToUpper(DocsName), Section: "1", Date: &docsDate, Source: "appsmith-install", Manual: "appsmith-install manual"}
	if err := doc.GenManTree(root, hdr, filepath.Join(dir, "man")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.md"), configReference(root), 0o644)
}

// OtherEnv is every environment variable the tool reads besides the
// APPSMITH_INSTALL_* twins of install.yaml's keys. A test scans the source
// for Getenv calls and fails when one is missing here.
var OtherEnv = map[string]string{
	"APPSMITH_DIR":                    "the install directory of day-two commands (as --dir)",
	"APPSMITH_KUBE_COMPANION":         "set by appsmith-install when it hands a Kubernetes command to appsmith-kube (not for users: it stops a wrongly built companion handing it back)",
	"NO_COLOR":                        "any value turns colour off (https://no-color.org)",
	"SUDO_USER":                       "the user who ran sudo: files meant for them (the appsmith link's owner) are theirs",
	"HOME":                            "where a user's own files are looked for",
	"AWS_ACCESS_KEY_ID":               "S3 backups: the access key (or any source of the AWS SDK's default chain)",
	"AWS_SECRET_ACCESS_KEY":           "S3 backups: the secret key",
	"AWS_SESSION_TOKEN":               "S3 backups: a session token",
	"AWS_REGION":                      "S3 backups: the bucket's region",
	"AWS_ENDPOINT_URL_S3":             "S3 backups: an S3-compatible endpoint (MinIO, Ceph, versitygw)",
	"AWS_EC2_METADATA_DISABLED":       "true: never ask the EC2 metadata service for credentials",
	"TERM":                            "dumb: no live progress view (plain lines instead)",
	"APPSMITH_RELEASES_URL":           "where `version --check` reads the newest release (default: the project's GitHub releases API)",
	"APPSMITH_INSTALL_FAILPOINT":      "testing only: kill the process right after a given journal record (internal/engine/failpoint.go)",
	"APPSMITH_BACKUP_PASSPHRASE_FILE": "backups: the file holding the archive passphrase (as --passphrase-file), so timers and scripts need no flag",
	"APPSMITH_METADATA_ENDPOINT":      "firstboot: the instance metadata service to ask (tests, proxies); default the provider's own",
	"COLUMNS":                         "the terminal's width when it cannot be asked",
	"KUBECONFIG":                      "--target kubernetes: the kubeconfig files when --kubeconfig is not given (else ~/.kube/config); one that names no existing file is refused",
	"KUBERNETES_SERVICE_HOST":         "--target kubernetes: set inside a pod, where the pod's service account is used when no kubeconfig file exists",
}

func configReference(root *cobra.Command) []byte {
	var b bytes.Buffer
	b.WriteString("# Configuration reference\n\n")
	b.WriteString("Generated from the options types (`go test ./internal/cli -run TestDocs -update`); do not edit.\n\n")
	b.WriteString("An install reads its options from, lowest first: the defaults (or what is installed), `--config install.yaml`, the environment, the flags.\n\n")
	b.WriteString("## install.yaml keys\n\n| key | flag | environment | type | default | meaning |\n|---|---|---|---|---|---|\n")
	var fs *pflag.FlagSet
	if c, _, err := root.Find([]string{"install"}); err == nil {
		fs = c.Flags()
	}
	t := reflect.TypeOf(install.Options{})
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Tag.Get("opt")
		if name == "" {
			continue
		}
		usage, def := "", ""
		if fs != nil {
			if f := fs.Lookup(name); f != nil {
				usage, def = f.Usage, f.DefValue
			}
		}
		if def == "[]" {
			def = ""
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | `%s` | %s | %s | %s |\n", yamlKey(name), name, installEnvPrefix+strings.ToUpper(yamlKey(name)),
			t.Field(i).Type.String(), cell(def), cell(usage))
	}
	// The target's keys are flags of both builds, but fields of
	// kube.Options, which the host build does not link: read from the flags.
	for _, name := range targetKeys {
		usage, def, typ := "", "", "string"
		if fs != nil {
			if f := fs.Lookup(name); f != nil {
				usage, def, typ = f.Usage, f.DefValue, f.Value.Type()
			}
		}
		if def == "[]" {
			def = ""
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | `%s` | %s | %s | %s |\n", name, name, installEnvPrefix+strings.ToUpper(name),
			typ, cell(def), cell(usage))
	}
	b.WriteString("\n## Other environment variables\n\n| variable | meaning |\n|---|---|\n")
	keys := make([]string, 0, len(OtherEnv))
	for k := range OtherEnv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "| `%s` | %s |\n", k, OtherEnv[k])
	}
	return b.Bytes()
}

func cell(s string) string {
	if s == "" {
		return ""
	}
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
