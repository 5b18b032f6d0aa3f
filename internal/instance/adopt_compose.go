package instance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// ComposeImage is the `image:` line of a compose service: where it is in
// which file, and what it says.
type ComposeImage struct {
	File  string
	Line  int // 1-based
	Image string
	node  *yaml.Node
}

// FindComposeImage reads the image of service from the compose files
// recorded at adopt (the label's comma-separated list; a later file
// overrides an earlier one, as compose merges them).
func FindComposeImage(configFiles, service string) (ComposeImage, error) {
	var found ComposeImage
	var errs []error
	for _, f := range strings.Split(configFiles, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		ci, err := findIn(f, service)
		switch {
		case err == nil:
			found = ci
		case !errors.Is(err, errNoImage):
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return ComposeImage{}, errors.Join(errs...)
	}
	if found.File == "" {
		return ComposeImage{}, fmt.Errorf("no `image:` for service %q in %s", service, configFiles)
	}
	return found, nil
}

var errNoImage = errors.New("no image line")

func findIn(file, service string) (ComposeImage, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return ComposeImage{}, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return ComposeImage{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return ComposeImage{}, errNoImage
	}
	svc := mapValue(mapValue(doc.Content[0], "services"), service)
	img := mapValue(svc, "image")
	if img == nil {
		return ComposeImage{}, errNoImage
	}
	if img.Kind != yaml.ScalarNode || strings.Contains(img.Value, "$") || strings.ContainsAny(img.Value, "\n") {
		return ComposeImage{}, fmt.Errorf("%s line %d: the image of service %q is %q, not a plain image reference (a variable is changed where it is set)", file, img.Line, service, img.Value)
	}
	return ComposeImage{File: file, Line: img.Line, Image: img.Value, node: img}, nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// SetImage changes only the image reference on ci's line, keeping every
// other byte of the file (comments, quotes, order, indentation). The
// original is first copied to <file>.appsmith-bak-<time> beside it; the
// file is then replaced atomically with its mode. It returns the copy's path.
func (ci ComposeImage) SetImage(image string, now time.Time) (string, error) {
	b, err := os.ReadFile(ci.File)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(ci.File)
	if err != nil {
		return "", err
	}
	out, err := replaceScalar(b, ci.node, image)
	if err != nil {
		return "", fmt.Errorf("%s line %d: %w", ci.File, ci.Line, err)
	}
	bak := ci.File + ".appsmith-bak-" + now.UTC().Format("20060102T150405Z")
	if err := fsutil.WriteFileAtomic(bak, b, fi.Mode().Perm()); err != nil {
		return "", err
	}
	return bak, fsutil.WriteFileAtomic(ci.File, out, fi.Mode().Perm())
}

// replaceScalar swaps the text of a one-line scalar at its position: plain,
// or quoted with its quotes kept.
func replaceScalar(b []byte, n *yaml.Node, value string) ([]byte, error) {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if n.Line < 1 || n.Line > len(lines) {
		return nil, errors.New("the image line is not where the parser saw it")
	}
	line := lines[n.Line-1]
	start := n.Column - 1
	if start < 0 || start >= len(line) {
		return nil, errors.New("the image value is not where the parser saw it")
	}
	var end int
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := line[start]
		i := bytes.IndexByte(line[start+1:], q)
		if i < 0 || string(line[start+1:start+1+i]) != n.Value {
			return nil, errors.New("a quoted image value this edit does not understand: change it by hand")
		}
		start, end = start+1, start+1+i
	case 0:
		end = start + len(n.Value)
		if end > len(line) || string(line[start:end]) != n.Value {
			return nil, errors.New("an image value this edit does not understand: change it by hand")
		}
	default:
		return nil, errors.New("an image value in a block style: change it by hand")
	}
	var out bytes.Buffer
	for i, l := range lines {
		if i != n.Line-1 {
			out.Write(l)
			continue
		}
		out.Write(l[:start])
		out.WriteString(value)
		out.Write(l[end:])
	}
	return out.Bytes(), nil
}
