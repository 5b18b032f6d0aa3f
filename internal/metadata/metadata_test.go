package metadata_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/metadata"
	"github.com/appsmith-install/appsmith-install/internal/metadata/metadatafake"
)

func fast(endpoint string) metadata.Options {
	return metadata.Options{Endpoint: endpoint, RequestTimeout: 300 * time.Millisecond, Wait: 20 * time.Second, Backoff: 10 * time.Millisecond}
}

// noIMDSv1 fails when any request other than the token PUT came without a
// token: the SDK's fallback to IMDSv1 must never be taken.
func noIMDSv1(t *testing.T, s *metadatafake.Server) {
	t.Helper()
	for _, r := range s.Requests() {
		if r.Path == "/latest/api/token" {
			if r.Method != "PUT" || r.TTL == "" {
				t.Errorf("token request %s without a TTL header (%q)", r.Method, r.TTL)
			}
			continue
		}
		if r.Token == "" {
			t.Errorf("IMDSv1 request (no token): %s %s", r.Method, r.Path)
		}
	}
}

func TestAWSChoosesTheAddress(t *testing.T) {
	// The SDK's client obeys this variable unless a test endpoint is given:
	// set as everywhere else in the tests, it must not stop this one.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, tc := range []struct {
		name  string
		paths map[string]string
		want  string
	}{
		{"public hostname", map[string]string{"public-hostname": "ec2-3-1-2-3.compute.amazonaws.com", "public-ipv4": "3.1.2.3", "local-ipv4": "10.0.0.5"}, "ec2-3-1-2-3.compute.amazonaws.com"},
		{"public IPv4 only", map[string]string{"public-ipv4": "3.1.2.3", "local-ipv4": "10.0.0.5"}, "3.1.2.3"},
		{"private instance", map[string]string{"local-ipv4": "10.0.0.5"}, "10.0.0.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.paths["instance-id"], tc.paths["placement/region"] = "i-0abc", "eu-west-1"
			s := metadatafake.IMDSv2(tc.paths, "#cloud-config\nappsmith:\n  edition: ce\n")
			defer s.Close()
			m, err := metadata.Fetch(context.Background(), metadata.AWS, fast(s.URL))
			if err != nil {
				t.Fatal(err)
			}
			if m.Address() != tc.want || m.InstanceID != "i-0abc" || m.Region != "eu-west-1" || !strings.Contains(string(m.UserData), "appsmith:") {
				t.Errorf("got %+v (address %q), want address %q", m, m.Address(), tc.want)
			}
			noIMDSv1(t, s)
		})
	}
}

func TestAWSNoUserData(t *testing.T) {
	s := metadatafake.IMDSv2(map[string]string{"instance-id": "i-1", "local-ipv4": "10.0.0.9"}, "")
	defer s.Close()
	m, err := metadata.Fetch(context.Background(), metadata.AWS, fast(s.URL))
	if err != nil || m.UserData != nil || m.Region != "" {
		t.Fatalf("got %+v, %v", m, err)
	}
	noIMDSv1(t, s)
}

func TestAWSSlowServiceIsRetried(t *testing.T) {
	s := metadatafake.IMDSv2(map[string]string{"instance-id": "i-2", "public-ipv4": "3.3.3.3"}, "")
	defer s.Close()
	s.SetSlow(4, 5*time.Second) // longer than a request may take
	m, err := metadata.Fetch(context.Background(), metadata.AWS, fast(s.URL))
	if err != nil || m.Address() != "3.3.3.3" {
		t.Fatalf("got %+v, %v", m, err)
	}
	noIMDSv1(t, s)
}

func TestAWSGivesUpAfterWait(t *testing.T) {
	s := metadatafake.IMDSv2(map[string]string{"instance-id": "i-3"}, "")
	defer s.Close()
	s.SetSlow(1<<20, 5*time.Second)
	o := fast(s.URL)
	o.Wait = 2 * time.Second
	_, err := metadata.Fetch(context.Background(), metadata.AWS, o)
	if err == nil || !strings.Contains(err.Error(), "did not answer within 2s") {
		t.Fatalf("err = %v", err)
	}
	noIMDSv1(t, s)
}

// An endpoint that refuses tokens (as IMDS does when turned off for the
// instance, or a proxy that drops PUT) must not make the client read
// without one.
func TestAWSNoFallbackWhenTokensFail(t *testing.T) {
	s := metadatafake.IMDSv2(map[string]string{"instance-id": "i-4"}, "")
	defer s.Close()
	// 403 and 404 are the statuses on which the SDK would fall back to IMDSv1.
	s.RefuseTokens(http.StatusForbidden)
	o := fast(s.URL)
	o.Wait = time.Second
	if _, err := metadata.Fetch(context.Background(), metadata.AWS, o); err == nil {
		t.Fatal("want an error")
	}
	for _, r := range s.Requests() {
		if r.Method != "PUT" {
			t.Errorf("read after the token failed: %s %s (token %q)", r.Method, r.Path, r.Token)
		}
	}
}

func TestAWSNotAnInstance(t *testing.T) {
	s := metadatafake.IMDSv2(map[string]string{}, "") // no instance-id: 404
	defer s.Close()
	start := time.Now()
	_, err := metadata.Fetch(context.Background(), metadata.AWS, fast(s.URL))
	if err == nil || !strings.Contains(err.Error(), "instance-id") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("a 404 for instance-id was retried until Wait")
	}
}

func TestDigitalOceanTolerantParsing(t *testing.T) {
	for _, tc := range []struct {
		name, body, id, addr, userData string
	}{
		{"documented", `{"droplet_id":2756294,"hostname":"d","region":"nyc3","user_data":"#cloud-config\n","interfaces":{"public":[{"ipv4":{"ip_address":"104.131.20.105","netmask":"255.255.192.0"},"type":"public"}],"private":[{"ipv4":{"ip_address":"10.132.255.113"}}]},"floating_ip":{"ipv4":{"active":false}}}`,
			"2756294", "104.131.20.105", "#cloud-config\n"},
		{"id as a string, extra fields, null user-data", `{"droplet_id":"99","new_field":{"x":[1,2]},"user_data":null,"region":7,"interfaces":{"public":[{"ipv4":{"ip_address":"1.2.3.4"}}]}}`,
			"99", "1.2.3.4", ""},
		{"private only, odd shapes", `{"droplet_id":12345678901,"interfaces":{"public":{"ipv4":"x"},"private":[{"ipv4":{"ip_address":"10.0.0.7"}}]},"vendor_data":"…"}`,
			"12345678901", "10.0.0.7", ""},
		{"no interfaces at all", `{"droplet_id":1,"interfaces":null}`, "1", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := metadatafake.DigitalOcean(tc.body)
			defer s.Close()
			m, err := metadata.Fetch(context.Background(), metadata.DigitalOcean, fast(s.URL))
			if err != nil {
				t.Fatal(err)
			}
			if m.InstanceID != tc.id || m.Address() != tc.addr || string(m.UserData) != tc.userData {
				t.Errorf("got %+v (address %q)", m, m.Address())
			}
		})
	}
}

func TestDigitalOceanRetriesTimeoutsAndBadJSON(t *testing.T) {
	s := metadatafake.DigitalOcean(`{"droplet_id":5,"interfaces":{"public":[{"ipv4":{"ip_address":"5.5.5.5"}}]}}`)
	defer s.Close()
	s.SetSlow(2, 5*time.Second)
	m, err := metadata.Fetch(context.Background(), metadata.DigitalOcean, fast(s.URL))
	if err != nil || m.Address() != "5.5.5.5" {
		t.Fatalf("got %+v, %v", m, err)
	}
	bad := metadatafake.DigitalOcean(`<html>gateway</html>`)
	defer bad.Close()
	// Retried until Wait (a gateway page may come and go at boot), then
	// named: the error is the answer, not the attempt the deadline cut.
	o := fast(bad.URL)
	o.Wait, o.RequestTimeout = 3*time.Second, time.Second
	if _, err := metadata.Fetch(context.Background(), metadata.DigitalOcean, o); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Fatalf("err = %v", err)
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	s := metadatafake.DigitalOcean(`{"droplet_id":8}`)
	defer s.Close()
	o := fast("")
	o.Getenv = func(k string) string {
		if k == metadata.EndpointEnv {
			return s.URL
		}
		return ""
	}
	if m, err := metadata.Fetch(context.Background(), metadata.DigitalOcean, o); err != nil || m.InstanceID != "8" {
		t.Fatalf("got %+v, %v", m, err)
	}
}
