package metadata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// awsClient is IMDSv2 only. AWS_EC2_METADATA_DISABLED=true disables the
// SDK's client unless its enable state is set explicitly: an explicit
// endpoint (a test's fake, or APPSMITH_METADATA_ENDPOINT) enables it, so
// the variable can stay set everywhere else and nothing then probes
// 169.254.169.254; with the default endpoint the variable is obeyed.
func awsClient(o Options) *imds.Client {
	opts := imds.Options{
		Endpoint:   o.Endpoint,
		HTTPClient: o.HTTPClient,
		// Never the tokenless IMDSv1: an instance that requires tokens
		// refuses it, and one that doesn't must not be read without one.
		EnableFallback: aws.FalseTernary,
		// Our own per-request timeout below, and our own retry loop.
		DisableDefaultTimeout: true,
	}
	if o.Endpoint != "" {
		opts.ClientEnableState = imds.ClientEnabled
	}
	return imds.New(opts)
}

func fetchAWS(ctx context.Context, o Options) (Metadata, error) {
	c := awsClient(o)
	get := func(path string, optional bool) (string, error) {
		rctx, cancel := context.WithTimeout(ctx, o.RequestTimeout)
		defer cancel()
		out, err := c.GetMetadata(rctx, &imds.GetMetadataInput{Path: path})
		if err != nil {
			if optional && httpStatus(err) == http.StatusNotFound {
				return "", nil // a private instance has no public-hostname: 404
			}
			return "", fmt.Errorf("IMDSv2 %s: %w", path, err)
		}
		defer out.Content.Close()
		b, err := io.ReadAll(io.LimitReader(out.Content, 1<<16))
		return strings.TrimSpace(string(b)), err
	}
	var m Metadata
	var err error
	if m.InstanceID, err = get("instance-id", false); err != nil {
		if httpStatus(err) == http.StatusNotFound || strings.Contains(err.Error(), "access disabled") {
			return m, &permanent{err}
		}
		return m, err
	}
	for _, f := range []struct {
		path string
		to   *string
	}{
		{"placement/region", &m.Region},
		{"public-hostname", &m.PublicHostname},
		{"public-ipv4", &m.PublicIPv4},
		{"local-ipv4", &m.PrivateIPv4},
	} {
		if *f.to, err = get(f.path, true); err != nil {
			return m, err
		}
	}
	rctx, cancel := context.WithTimeout(ctx, o.RequestTimeout)
	defer cancel()
	ud, err := c.GetUserData(rctx, &imds.GetUserDataInput{})
	switch {
	case httpStatus(err) == http.StatusNotFound:
		// launched without user-data
	case err != nil:
		return m, fmt.Errorf("IMDSv2 user-data: %w", err)
	default:
		defer ud.Content.Close()
		if m.UserData, err = io.ReadAll(io.LimitReader(ud.Content, 1<<20)); err != nil {
			return m, fmt.Errorf("IMDSv2 user-data: %w", err)
		}
	}
	return m, nil
}

// httpStatus is the HTTP status an SDK error carries, 0 for none.
func httpStatus(err error) int {
	var se interface{ HTTPStatusCode() int }
	if errors.As(err, &se) {
		return se.HTTPStatusCode()
	}
	return 0
}
