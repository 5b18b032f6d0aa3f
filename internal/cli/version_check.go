package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	goversion "github.com/hashicorp/go-version"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// releasesURL is where `version --check` reads the newest release: the
// project's GitHub releases API, or APPSMITH_RELEASES_URL (a mirror, an
// air-gapped copy, a test) serving the same JSON ({"tag_name", "html_url"}).
const releasesURL = "https://api.github.com/repos/appsmith-install/appsmith-install/releases/latest"

// checkTimeout bounds the whole check: asked for on a machine that turns
// out to be offline, it must say so, never hang.
var checkTimeout = 10 * time.Second

// updateCheck is `version --check --json`'s "update" field.
type updateCheck struct {
	Latest    string `json:"latest"`
	URL       string `json:"url,omitempty"`
	Available bool   `json:"available"`
}

func checkForUpdate(ctx context.Context, client *http.Client, url, current string) (*updateCheck, error) {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, engine.UsageError("APPSMITH_RELEASES_URL %q: %v", url, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, engine.Errorf(engine.ExitFailure, "check again when this machine can reach it, or set APPSMITH_RELEASES_URL to a mirror",
			"could not check for a newer appsmith-install at %s (offline?): %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, engine.Errorf(engine.ExitFailure, "", "could not check for a newer appsmith-install: %s answered %s", url, resp.Status)
	}
	var rel struct {
		Tag string `json:"tag_name"`
		URL string `json:"html_url"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&rel); err != nil || rel.Tag == "" {
		return nil, engine.Errorf(engine.ExitFailure, "", "could not check for a newer appsmith-install: %s did not answer with a release (tag_name)", url)
	}
	u := &updateCheck{Latest: rel.Tag, URL: rel.URL}
	latest, lerr := goversion.NewVersion(rel.Tag)
	have, herr := goversion.NewVersion(current)
	switch {
	case lerr != nil:
		return nil, engine.Errorf(engine.ExitFailure, "", "could not check for a newer appsmith-install: %s names release %q, not a version", url, rel.Tag)
	case herr != nil:
		// A development build has no version to compare: say what is newest.
		u.Available = true
	default:
		u.Available = latest.GreaterThan(have)
	}
	return u, nil
}

func printUpdate(w io.Writer, u *updateCheck, current string) {
	switch {
	case !u.Available:
		fmt.Fprintf(w, "appsmith-install %s is the newest release\n", current)
	case u.URL != "":
		fmt.Fprintf(w, "appsmith-install %s is available (this is %s): %s\n", u.Latest, current, u.URL)
	default:
		fmt.Fprintf(w, "appsmith-install %s is available (this is %s)\n", u.Latest, current)
	}
}
