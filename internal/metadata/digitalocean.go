package metadata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// DigitalOcean's link-local service.
const doEndpoint = "http://169.254.169.254"

func fetchDO(ctx context.Context, o Options) (Metadata, error) {
	base := o.Endpoint
	if base == "" {
		base = doEndpoint
	}
	rctx, cancel := context.WithTimeout(ctx, o.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, base+"/metadata/v1.json", nil)
	if err != nil {
		return Metadata{}, &permanent{err}
	}
	resp, err := o.HTTPClient.Do(req)
	if err != nil {
		return Metadata{}, fmt.Errorf("DigitalOcean metadata: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Metadata{}, fmt.Errorf("DigitalOcean metadata: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Metadata{}, fmt.Errorf("DigitalOcean metadata: %s", resp.Status)
	}
	return parseDO(body)
}

// parseDO reads v1.json by walking a generic tree: a field missing, added
// or of another type than documented (droplet_id as a number or a string,
// user_data absent or null) never fails the whole read; only a document
// that is not a JSON object or has no droplet id does, and that is retried
// (a half-written answer early in boot).
func parseDO(body []byte) (Metadata, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a droplet id is a large integer: no float rounding
	if err := dec.Decode(&doc); err != nil {
		return Metadata{}, fmt.Errorf("DigitalOcean metadata: not a JSON object: %w", err)
	}
	m := Metadata{
		InstanceID: str(doc["droplet_id"]),
		Region:     str(doc["region"]),
		PublicIPv4: str(walk(doc, "interfaces", "public", 0, "ipv4", "ip_address")),
		// The droplet's own address; a reserved IP may move to another.
		PrivateIPv4: str(walk(doc, "interfaces", "private", 0, "ipv4", "ip_address")),
	}
	if ud, ok := doc["user_data"].(string); ok && ud != "" {
		m.UserData = []byte(ud) // as given: a script's bytes matter
	}
	if m.InstanceID == "" {
		return m, fmt.Errorf("DigitalOcean metadata: no droplet_id")
	}
	return m, nil
}

// walk follows keys (string) and indexes (int) through a decoded JSON tree;
// nil when any step is missing or of another type.
func walk(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			obj, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = obj[k]
		case int:
			arr, ok := v.([]any)
			if !ok || k >= len(arr) {
				return nil
			}
			v = arr[k]
		}
	}
	return v
}

// str renders a scalar as text: numbers as written, booleans, strings
// trimmed; "" for anything else.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
