// Package firstboot finishes an instance made from a baked machine image on
// its first boot: the settings its user-data carries, the files that tell
// its owner where Appsmith is (the credentials note and the MOTD). The
// install itself is the install command's plan, run by the CLI layer with
// the options this package derives; nothing here asks or renders.
package firstboot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"

	"gopkg.in/yaml.v3"
)

// Key is the user-data key whose mapping holds the settings; its keys are
// install.yaml's (edition, domain, tls, ...) plus the two below.
const Key = "appsmith"

// Keys of the section that are not install options: the daily backup and
// the auto-update window, set up after the install as `appsmith backup
// schedule` and `appsmith auto-update enable` would.
const (
	BackupKey     = "backup"      // mapping: daily, to, keep_last, keep_daily, ... (the flags of backup schedule)
	AutoUpdateKey = "auto_update" // mapping: window, channel (the flags of auto-update enable)
)

// Settings are what user-data asks of first boot.
type Settings struct {
	// Install is the section without BackupKey and AutoUpdateKey, as YAML:
	// install.yaml's keys, read by the same loader as --config.
	Install []byte
	// Backup and AutoUpdate map flag names (with '_') to values; nil when
	// not asked for.
	Backup, AutoUpdate map[string]string
}

// ErrNoSection: user-data carries no appsmith section (or there is none):
// first boot uses the image's defaults.
var ErrNoSection = errors.New("no appsmith section in user-data")

// Parse finds the appsmith section in user-data, which may be cloud-config
// YAML with the section at its top, a MIME multi-part archive (cloud-init's)
// one of whose parts is, gzip-compressed either way, or a script or other
// text that carries the section as a block starting at a line
// "appsmith:" (a heredoc, say). A section that is there but malformed is an
// error naming the key; user-data with no section is ErrNoSection.
func Parse(userData []byte) (Settings, error) {
	node, err := find(userData, 0)
	if err != nil {
		return Settings{}, err
	}
	if node == nil {
		return Settings{}, ErrNoSection
	}
	return settings(node)
}

func find(data []byte, depth int) (*yaml.Node, error) {
	if depth > 4 || len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("user-data: gzip: %w", err)
		}
		plain, err := io.ReadAll(io.LimitReader(zr, 16<<20))
		if err != nil {
			return nil, fmt.Errorf("user-data: gzip: %w", err)
		}
		return find(plain, depth+1)
	}
	if parts, ok := multiparts(data); ok {
		for _, p := range parts {
			if n, err := find(p, depth+1); n != nil || err != nil {
				return n, err
			}
		}
		return nil, nil
	}
	if n, ok := fromYAML(data); ok {
		return n, nil
	}
	// Not a YAML mapping (a shell script, say): a block at "appsmith:".
	block := embedded(data)
	if block == nil {
		return nil, nil
	}
	n, ok := fromYAML(block)
	if !ok {
		return nil, fmt.Errorf("user-data: the %s: block is not valid YAML", Key)
	}
	return n, nil
}

// fromYAML: the appsmith value of a YAML mapping document; ok is false
// when data is not one or has no such key.
func fromYAML(data []byte) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == Key {
			return m.Content[i+1], true
		}
	}
	return nil, false
}

// embedded cuts the block from a line "appsmith:" at column 0 to the first
// following line that is not indented (or blank).
func embedded(data []byte) []byte {
	var out bytes.Buffer
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.TrimRight(line, " \t") == Key+":":
			in = true
		case in && line != "" && line[0] != ' ' && line[0] != '\t':
			return out.Bytes()
		case !in:
			continue
		}
		out.WriteString(line + "\n")
	}
	if !in {
		return nil
	}
	return out.Bytes()
}

// multiparts splits a MIME multi-part user-data (as cloud-init's
// write-mime-multipart makes) into its parts' bodies.
func multiparts(data []byte) ([][]byte, bool) {
	if !bytes.HasPrefix(bytes.TrimLeft(data, "\r\n"), []byte("Content-Type:")) && !bytes.HasPrefix(data, []byte("MIME-Version:")) {
		return nil, false
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, false
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return nil, false
	}
	var parts [][]byte
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(io.LimitReader(p, 16<<20))
		parts = append(parts, b)
	}
	return parts, true
}

func settings(n *yaml.Node) (Settings, error) {
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Value == "" {
			return Settings{}, ErrNoSection // "appsmith:" with nothing under it
		}
		return Settings{}, fmt.Errorf("user-data: %s: must be a mapping of install options (such as `edition: ce`), found line %d", Key, n.Line)
	}
	var s Settings
	rest := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var to *map[string]string
		switch k.Value {
		case BackupKey:
			to = &s.Backup
		case AutoUpdateKey:
			to = &s.AutoUpdate
		default:
			rest.Content = append(rest.Content, k, v)
			continue
		}
		if v.Kind != yaml.MappingNode {
			return Settings{}, fmt.Errorf("user-data: %s.%s must be a mapping (line %d)", Key, k.Value, v.Line)
		}
		*to = map[string]string{}
		for j := 0; j+1 < len(v.Content); j += 2 {
			if v.Content[j+1].Kind != yaml.ScalarNode {
				return Settings{}, fmt.Errorf("user-data: %s.%s.%s must be a single value (line %d)", Key, k.Value, v.Content[j].Value, v.Content[j+1].Line)
			}
			(*to)[v.Content[j].Value] = v.Content[j+1].Value
		}
	}
	b, err := yaml.Marshal(rest)
	if err != nil {
		return Settings{}, err
	}
	s.Install = b
	return s, nil
}
