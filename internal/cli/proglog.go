package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// A program's log files, as Appsmith's supervisord configuration names
// them in logs/<program>/ (APPSMITH.md): `<program>-<host>.log` (stdout and
// stderr together), `<host>-stdout.log` + `<host>-stderr.log`, supervisor's
// AUTO names `<program>-stdout---supervisor-*.log`, or a fixed name the
// program writes itself (`redis.log`, `supervisord.log`). <host> is the
// container's host name, so each new container adds files: only the
// current one's are the program's log now. Other files there (Appsmith's
// own `starting_page_init.log`, say) are not the program's output.
type logFile struct {
	path   string
	stream string // "stdout", "stderr" or "" (both)
	host   string // "" for names without one
	mod    time.Time
}

var (
	hostStreamLog = regexp.MustCompile(`^(.+)-(stdout|stderr)\.log$`)
	autoLog       = regexp.MustCompile(`^(.+)-(stdout|stderr)---supervisor-.*\.log$`)
)

// programFiles picks the log files of program in dir written by the
// container with host name host ("" = unknown: the newest host's).
func programFiles(dir, program, host string) []logFile {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var all []logFile
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		name := e.Name()
		f := logFile{path: filepath.Join(dir, name), mod: info.ModTime()}
		switch m := autoLog.FindStringSubmatch(name); {
		case m != nil && m[1] == program:
			f.stream = m[2]
		case hostStreamLog.MatchString(name):
			m := hostStreamLog.FindStringSubmatch(name)
			f.host, f.stream = m[1], m[2]
		case strings.HasPrefix(name, program+"-") && strings.HasSuffix(name, ".log"):
			f.host = strings.TrimSuffix(strings.TrimPrefix(name, program+"-"), ".log")
		case name == program+".log" || name == program+"d.log":
		default:
			continue // not this program's output
		}
		all = append(all, f)
	}
	if host == "" || !hasHost(all, host) {
		host = newestHost(all)
	}
	var out []logFile
	newestAuto := map[string]logFile{}
	for _, f := range all {
		switch {
		case f.host != "":
			if f.host == host {
				out = append(out, f)
			}
		case strings.Contains(filepath.Base(f.path), "---supervisor-"):
			// One AUTO file per stream and supervisord run: the newest.
			if cur, ok := newestAuto[f.stream]; !ok || f.mod.After(cur.mod) {
				newestAuto[f.stream] = f
			}
		default:
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		for _, f := range newestAuto {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].stream < out[j].stream || out[i].stream == out[j].stream && out[i].path < out[j].path
	})
	return out
}

func hasHost(fs []logFile, host string) bool {
	for _, f := range fs {
		if f.host == host {
			return true
		}
	}
	return false
}

func newestHost(fs []logFile) string {
	host, t := "", time.Time{}
	for _, f := range fs {
		if f.host != "" && f.mod.After(t) {
			host, t = f.host, f.mod
		}
	}
	return host
}
