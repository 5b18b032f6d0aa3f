package instance

import (
	"strings"
	"sync"

	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// logWatch collects container log lines written by the log follower.
type logWatch struct {
	mu      sync.Mutex
	partial string
	pending []string
	ring    []string
	markers []releases.Marker
	marker  string
}

func newLogWatch(markers []releases.Marker) *logWatch { return &logWatch{markers: markers} }

func (l *logWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial += string(p)
	for {
		i := strings.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.add(strings.TrimRight(l.partial[:i], "\r"))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *logWatch) add(line string) {
	l.pending = append(l.pending, line)
	l.ring = append(l.ring, line)
	if len(l.ring) > logTailLines {
		l.ring = l.ring[len(l.ring)-logTailLines:]
	}
	if _, ok := releases.Match(l.markers, line); ok && l.marker == "" {
		l.marker = line
	}
}

func (l *logWatch) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.pending
	l.pending = nil
	return out
}

func (l *logWatch) fatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.marker
}

func (l *logWatch) tail() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ring...)
}
