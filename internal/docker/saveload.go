package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/client"
)

// ImageSave streams the images refs name in the engine's `docker save`
// format, all in one archive so that a layer several of them share is
// written once. The caller closes the reader; an error the engine meets
// while streaming shows as a read error.
func (c *Client) ImageSave(ctx context.Context, refs []string) (io.ReadCloser, error) {
	res, err := c.api.ImageSave(ctx, refs)
	if err != nil {
		return nil, wrap("save images "+strings.Join(refs, " "), err)
	}
	return res, nil
}

// ImageLoad feeds an archive in `docker save` format to the engine and
// returns what the engine says it loaded ("Loaded image: repo:tag" or
// "Loaded image ID: sha256:…"), in order. The engine reports a broken
// archive inside its 200 response: the stream is read to the end.
func (c *Client) ImageLoad(ctx context.Context, archive io.Reader) ([]string, error) {
	res, err := c.api.ImageLoad(ctx, archive, client.ImageLoadWithQuiet(true))
	if err != nil {
		return nil, wrap("load images", err)
	}
	defer res.Close()
	loaded, err := readLoadStream(res)
	if err != nil {
		return loaded, fmt.Errorf("load images: %w", err)
	}
	return loaded, nil
}

// loadMessage is one line of the engine's load answer.
type loadMessage struct {
	Stream      string `json:"stream"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

func readLoadStream(r io.Reader) ([]string, error) {
	var loaded []string
	dec := json.NewDecoder(r)
	for {
		var m loadMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return loaded, nil
			}
			return loaded, fmt.Errorf("reading the engine's answer: %w", err)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return loaded, errors.New(m.ErrorDetail.Message)
		}
		if m.Error != "" {
			return loaded, errors.New(m.Error)
		}
		for line := range strings.SplitSeq(m.Stream, "\n") {
			if s, ok := strings.CutPrefix(strings.TrimSpace(line), "Loaded image"); ok {
				s = strings.TrimPrefix(s, " ID")
				loaded = append(loaded, strings.TrimSpace(strings.TrimPrefix(s, ":")))
			}
		}
	}
}

// ImagePush pushes ref (repo:tag) to its registry with the user's
// credentials, reporting per-layer progress through onEvent (may be nil).
// A registry on 127.0.0.0/8 is plain HTTP for the engine.
func (c *Client) ImagePush(ctx context.Context, ref string, onEvent func(PullEvent)) error {
	op := "push image " + ref
	auth, err := registryAuth(ctx, c.keychain, ref)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if auth == "" {
		// Engines before 23 refuse a push without the header ("missing
		// X-Registry-Auth"); an empty JSON object is anonymous.
		auth = "e30="
	}
	resp, err := c.api.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: auth})
	if err != nil {
		return wrap(op, err)
	}
	defer resp.Close()
	// The push stream has the pull stream's shape, failures inside it too.
	if err := readPullStream(resp, onEvent); err != nil {
		return wrap(op, err)
	}
	return nil
}
