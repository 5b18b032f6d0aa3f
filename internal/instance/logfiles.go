package instance

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// StacksPath is where the container sees the stacks volume (APPSMITH.md).
const StacksPath = "/appsmith-stacks"

// readChunk bounds what one poll reads of one file: a program that floods
// its log must not stall the wait.
const readChunk = 1 << 20

// fileWatch follows the program log files supervisor writes under
// <stacks>/logs/<program>/ for one container: `<program>-<host>.log`, or
// `<host>-stdout.log` and `<host>-stderr.log`. The host name tells this
// container's files from those of earlier containers on the same stacks;
// other files there (starting_page_init.log, ...) are not a program's log.
type fileWatch struct {
	dir     string // <stacks>/logs on this host; "" = not reachable from here
	host    string
	markers []releases.Marker
	offsets map[string]int64
	partial map[string]string
	found   *fileLine
}

// fileLine is a fatal line found in a program's log file.
type fileLine struct{ program, path, line string }

func newFileWatch(c docker.Container, markers []releases.Marker) *fileWatch {
	fw := &fileWatch{host: HostName(c), markers: markers, offsets: map[string]int64{}, partial: map[string]string{}}
	for _, m := range c.Mounts {
		if m.Destination == StacksPath && m.Source != "" {
			fw.dir = filepath.Join(m.Source, "logs")
		}
	}
	// Only what is written from now on: a restarted container keeps its host
	// name and appends to the files of its earlier starts.
	for _, p := range fw.files() {
		if st, err := os.Stat(p.path); err == nil {
			fw.offsets[p.path] = st.Size()
		}
	}
	return fw
}

// HostName is the container's host name: Docker's default, the first 12
// characters of its ID (the install never sets another). Supervisor puts
// it in the names of the program log files.
func HostName(c docker.Container) string {
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

type progFile struct{ program, path string }

// files lists this container's program log files that exist now.
func (fw *fileWatch) files() []progFile {
	if fw.dir == "" || fw.host == "" {
		return nil
	}
	dirs, err := os.ReadDir(fw.dir)
	if err != nil {
		return nil
	}
	var out []progFile
	for _, d := range dirs {
		if d.IsDir() {
			for _, p := range fw.programFiles(d.Name()) {
				out = append(out, progFile{program: d.Name(), path: p})
			}
		}
	}
	return out
}

// programFiles lists the log files of one program of this container.
func (fw *fileWatch) programFiles(program string) []string {
	if fw.dir == "" || fw.host == "" {
		return nil
	}
	var out []string
	for _, name := range []string{program + "-" + fw.host + ".log", fw.host + "-stderr.log", fw.host + "-stdout.log"} {
		p := filepath.Join(fw.dir, program, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}

// poll reads what was appended since the last poll and looks for markers.
func (fw *fileWatch) poll() {
	if fw.found != nil {
		return
	}
	for _, f := range fw.files() {
		fw.read(f)
		if fw.found != nil {
			return
		}
	}
}

func (fw *fileWatch) read(f progFile) {
	file, err := os.Open(f.path)
	if err != nil {
		return
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return
	}
	off := fw.offsets[f.path]
	if st.Size() < off { // rotated or truncated: a new file from its start
		off, fw.partial[f.path] = 0, ""
	}
	if st.Size() == off {
		return
	}
	buf := make([]byte, min(st.Size()-off, readChunk))
	n, err := file.ReadAt(buf, off)
	if err != nil && err != io.EOF {
		return
	}
	fw.offsets[f.path] = off + int64(n)
	text := fw.partial[f.path] + string(buf[:n])
	lines := strings.Split(text, "\n")
	fw.partial[f.path] = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		l = strings.TrimRight(l, "\r")
		if _, ok := releases.Match(fw.markers, l); ok {
			fw.found = &fileLine{program: f.program, path: f.path, line: l}
			return
		}
	}
}

func (fw *fileWatch) fatal() *fileLine { return fw.found }

func (fw *fileWatch) tailSection(path string) string {
	return section("last lines of "+path, lastLines(path, logTailLines/2))
}

// lastLines reads the last n lines of a file, "" if it cannot.
func lastLines(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	const window = 64 << 10
	off := max(st.Size()-window, 0)
	buf := make([]byte, st.Size()-off)
	k, _ := f.ReadAt(buf, off)
	buf = bytes.TrimRight(buf[:k], "\r\n")
	lines := strings.Split(string(buf), "\n")
	if off > 0 && len(lines) > 1 {
		lines = lines[1:] // the first line of the window is cut
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}
