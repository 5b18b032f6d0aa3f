// Package metadata reads what a cloud tells an instance about itself on first
// boot: its id, region, addresses and user-data. AWS through IMDSv2 only (a
// session token first; the SDK's fallback to the tokenless IMDSv1 is turned
// off, so an image that requires tokens works and one that doesn't is never
// asked without one), DigitalOcean through /metadata/v1.json, read
// tolerantly (fields missing, extra or of an unexpected type).
package metadata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Providers, as image.env names them.
const (
	AWS          = "aws"
	DigitalOcean = "digitalocean"
)

// EndpointEnv overrides the metadata service's base URL for either provider
// (tests, or a proxy). For AWS the SDK's own AWS_EC2_METADATA_SERVICE_ENDPOINT
// works too.
const EndpointEnv = "APPSMITH_METADATA_ENDPOINT"

// Metadata is what first boot needs to know about the instance.
type Metadata struct {
	Provider       string `json:"provider"`
	InstanceID     string `json:"instance_id"`
	Region         string `json:"region,omitempty"`
	PublicHostname string `json:"public_hostname,omitempty"`
	PublicIPv4     string `json:"public_ipv4,omitempty"`
	PrivateIPv4    string `json:"private_ipv4,omitempty"`
	UserData       []byte `json:"-"`
}

// Address is where users reach the instance: the public host name, else the
// public IPv4, else (a private instance) the private IPv4.
func (m Metadata) Address() string {
	for _, a := range []string{m.PublicHostname, m.PublicIPv4, m.PrivateIPv4} {
		if a = strings.TrimSpace(a); a != "" {
			return a
		}
	}
	return ""
}

// Options tune a Fetch. The zero value reads the real service.
type Options struct {
	// Endpoint is the service's base URL ("" = the provider's link-local one,
	// or $APPSMITH_METADATA_ENDPOINT).
	Endpoint string
	// Getenv reads the environment (nil: none).
	Getenv func(string) string
	// HTTPClient (nil: one with no proxy: the service is link-local).
	HTTPClient *http.Client
	// RequestTimeout bounds one request (default 5 s, the SDK's own).
	RequestTimeout time.Duration
	// Wait bounds the whole fetch with its retries (default 2 min): early in
	// boot the service, or the network to it, may not answer yet.
	Wait time.Duration
	// Backoff between attempts (default 1 s).
	Backoff time.Duration
}

func (o Options) withDefaults() Options {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Endpoint == "" {
		o.Endpoint = o.Getenv(EndpointEnv)
	}
	o.Endpoint = strings.TrimRight(o.Endpoint, "/")
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: &http.Transport{Proxy: nil}}
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 5 * time.Second
	}
	if o.Wait <= 0 {
		o.Wait = 2 * time.Minute
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	return o
}

// Fetch reads the instance's metadata from provider's service, retrying
// until Wait ends; a permanent error (the service answers, but not with
// what an instance of that cloud has) ends it early.
func Fetch(ctx context.Context, provider string, o Options) (Metadata, error) {
	o = o.withDefaults()
	var get func(context.Context, Options) (Metadata, error)
	switch provider {
	case AWS:
		get = fetchAWS
	case DigitalOcean:
		get = fetchDO
	default:
		return Metadata{}, fmt.Errorf("metadata: unknown provider %q (want %s or %s)", provider, AWS, DigitalOcean)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	var last error
	for {
		m, err := get(ctx, o)
		if err == nil {
			m.Provider = provider
			return m, nil
		}
		// An attempt the overall deadline cut short says less than the
		// answer before it (a gateway page, a bad JSON): that one is kept.
		if last == nil || ctx.Err() == nil {
			last = err
		}
		var p *permanent
		if errors.As(err, &p) {
			return Metadata{}, p.err
		}
		select {
		case <-ctx.Done():
			return Metadata{}, fmt.Errorf("%s metadata service did not answer within %s: %w", provider, o.Wait, last)
		case <-time.After(o.Backoff):
		}
	}
}

// permanent marks an error that retrying will not fix.
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }
