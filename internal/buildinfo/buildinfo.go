// Package buildinfo says which build of appsmith-install is running. The
// version is stamped by the Makefile (-ldflags -X); a plain `go build` falls
// back to the module and VCS data Go records.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version is set at link time: -X github.com/appsmith-install/appsmith-install/internal/buildinfo.Version=v0.1.0
var Version = ""

// Commit is set at link time, or read from the VCS stamp.
var Commit = ""

// Date is the commit's time (RFC 3339), set at link time, or read from the
// VCS stamp: a release build stays reproducible, which a build clock breaks.
var Date = ""

// Info is the build description.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Get returns the build description.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && i.Commit == "" {
				i.Commit = s.Value
			}
			if s.Key == "vcs.time" && i.Date == "" {
				i.Date = s.Value
			}
		}
	}
	if i.Version == "" {
		i.Version = "dev"
	}
	return i
}
