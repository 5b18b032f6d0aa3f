// Package dbcheck tells whether an external database or Redis named by a
// URL can be reached from this machine, before an install depends on it. It
// checks the network path (DNS and a TCP connection), not credentials: the
// container, not the host, speaks the database protocol.
package dbcheck

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

var defaultPorts = map[string]string{
	"mongodb": "27017", "postgresql": "5432", "postgres": "5432", "redis": "6379", "rediss": "6379",
}

// Reachable dials every host of the URL (MongoDB URLs may list several) and
// returns the first failure. mongodb+srv URLs are checked by their SRV record.
func Reachable(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if u.Scheme == "mongodb+srv" {
		_, addrs, err := net.DefaultResolver.LookupSRV(ctx, "mongodb", "tcp", u.Hostname())
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("no SRV record _mongodb._tcp.%s: %v", u.Hostname(), err)
		}
		return dial(ctx, net.JoinHostPort(strings.TrimSuffix(addrs[0].Target, "."), fmt.Sprint(addrs[0].Port)))
	}
	for _, h := range strings.Split(u.Host, ",") {
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defaultPorts[u.Scheme])
		}
		if err := dial(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

func dial(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot connect to %s from this machine: %w", addr, err)
	}
	return c.Close()
}
