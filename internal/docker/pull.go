package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// ImagePull pulls ref as given (no normalisation of the tag here), with the
// user's registry credentials, reporting per-layer progress through onEvent
// (which may be nil). A missing tag gives an error for which
// IsManifestUnknown is true.
func (c *Client) ImagePull(ctx context.Context, ref string, onEvent func(PullEvent)) error {
	op := "pull image " + ref
	auth, err := registryAuth(ctx, c.keychain, ref)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	resp, err := c.api.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: auth})
	if err != nil {
		return pullError(op, err)
	}
	defer resp.Close()
	if err := readPullStream(resp, onEvent); err != nil {
		return pullError(op, err)
	}
	return nil
}

// pullMessage is one line of the engine's pull stream. The engine reports
// failures inside a 200 response, so the stream has to be read to the end
// to know whether the pull worked. Engines before API 1.44 send the message
// in "error" as well as "errorDetail"; either is enough.
type pullMessage struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Progress struct {
		Current int64 `json:"current"`
		Total   int64 `json:"total"`
	} `json:"progressDetail"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

func readPullStream(r io.Reader, onEvent func(PullEvent)) error {
	dec := json.NewDecoder(r)
	for {
		var m pullMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading the engine's progress stream: %w", err)
		}
		if msg := streamError(m); msg != "" {
			return errors.New(msg)
		}
		if onEvent == nil || m.Status == "" {
			continue
		}
		layer := m.ID
		if strings.HasPrefix(m.Status, "Pulling from ") {
			layer = "" // the id of this line is the tag, not a layer
		}
		onEvent(PullEvent{Layer: layer, Status: m.Status, Current: m.Progress.Current, Total: m.Progress.Total})
	}
}

func streamError(m pullMessage) string {
	if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
		return m.ErrorDetail.Message
	}
	return m.Error
}

// pullError classifies a failed pull, whether the engine said so in the HTTP
// status or inside the stream. Registries say MANIFEST_UNKNOWN ("manifest
// unknown") for a missing tag; engines phrase it "manifest for X not found".
func pullError(op string, err error) error {
	msg := err.Error()
	var kind error
	switch {
	case strings.Contains(msg, "manifest unknown"),
		strings.Contains(msg, "manifest for ") && strings.Contains(msg, " not found"):
		kind = ErrManifestUnknown
	case cerrdefs.IsNotFound(err):
		kind = ErrNotFound
	}
	return &opError{op: op, err: err, kind: kind}
}
