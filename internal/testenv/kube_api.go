package testenv

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// kubeAPI is the few raw REST calls the harness itself makes (readiness,
// the bootstrap objects, namespaces): plain JSON over the admin client
// certificate, so testenv does not tie its callers to a client-go version.
type kubeAPI struct {
	server string
	hc     *http.Client
}

func newKubeAPI(server string, p *kubePKI) (*kubeAPI, error) {
	cert, err := tls.X509KeyPair(p.adminCertPEM, p.adminKey)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.caPEM)
	return &kubeAPI{server: server, hc: &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12,
		}},
	}}, nil
}

// do sends body (JSON-encoded unless nil; a yamlDoc as it is) and returns
// the status and body.
func (a *kubeAPI) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case yamlDoc:
		rd, contentType = bytes.NewReader(b), "application/yaml"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.server+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// yamlDoc is a request body sent as YAML (the apiserver takes it).
type yamlDoc []byte

// create POSTs obj to the collection at path; an object that already
// exists is fine (a shared plane is bootstrapped once, but be tolerant).
func (a *kubeAPI) create(ctx context.Context, path string, obj any) error {
	code, data, err := a.do(ctx, http.MethodPost, path, obj)
	switch {
	case err != nil:
		return fmt.Errorf("POST %s: %w", path, err)
	case code == http.StatusCreated || code == http.StatusOK || code == http.StatusConflict:
		return nil
	default:
		return fmt.Errorf("POST %s: %d %s", path, code, strings.TrimSpace(string(data)))
	}
}

// get decodes the object at path into out; found is false on 404.
func (a *kubeAPI) get(ctx context.Context, path string, out any) (found bool, err error) {
	code, data, err := a.do(ctx, http.MethodGet, path, nil)
	switch {
	case err != nil:
		return false, fmt.Errorf("GET %s: %w", path, err)
	case code == http.StatusNotFound:
		return false, nil
	case code != http.StatusOK:
		return false, fmt.Errorf("GET %s: %d %s", path, code, strings.TrimSpace(string(data)))
	}
	if out == nil {
		return true, nil
	}
	return true, json.Unmarshal(data, out)
}

// delete removes the object at path; a missing one is fine.
func (a *kubeAPI) delete(ctx context.Context, path string) error {
	code, data, err := a.do(ctx, http.MethodDelete, path, nil)
	switch {
	case err != nil:
		return fmt.Errorf("DELETE %s: %w", path, err)
	case code == http.StatusOK || code == http.StatusAccepted || code == http.StatusNotFound:
		return nil
	default:
		return fmt.Errorf("DELETE %s: %d %s", path, code, strings.TrimSpace(string(data)))
	}
}

// readyz reports nil once the apiserver says it is ready.
func (a *kubeAPI) readyz(ctx context.Context) error {
	code, data, err := a.do(ctx, http.MethodGet, "/readyz", nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("/readyz: %d %s", code, strings.TrimSpace(string(data)))
	}
	return nil
}
