package docker

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"
)

func TestContainerLogsDemultiplexes(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("GET /containers/{id}/logs", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("stdout") != "1" || q.Get("stderr") != "1" || q.Get("tail") != "50" || q.Get("follow") != "" {
			t.Errorf("query = %v", q)
		}
		if got := q.Get("since"); got != "1700000000.250000000" {
			t.Errorf("since = %q", got)
		}
		w.Header().Set("Content-Type", "application/vnd.docker.raw-stream")
		for _, b := range [][]byte{
			frame(1, "backend started\n"),
			frame(2, "WARN low memory\n"),
			frame(1, "editor started\n"),
		} {
			_, _ = w.Write(b)
		}
	})
	c := f.start()

	var stdout, stderr bytes.Buffer
	opts := LogsOptions{Tail: "50", Since: time.Unix(1700000000, 250_000_000)}
	if err := c.ContainerLogs(context.Background(), "appsmith", opts, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if got, want := stdout.String(), "backend started\neditor started\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if got, want := stderr.String(), "WARN low memory\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}

	// Either writer may be left out.
	if err := c.ContainerLogs(context.Background(), "appsmith", opts, &stdout, nil); err != nil {
		t.Fatal(err)
	}
}
