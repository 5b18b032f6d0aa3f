// Package metadatafake serves stand-ins of the clouds' instance metadata
// services on 127.0.0.1 for tests: IMDSv2 as AWS documents it (a token from
// PUT /latest/api/token with its TTL header, 401 for a read without a valid
// token, 404 for what the instance does not have) and DigitalOcean's
// /metadata/v1.json. Every request is recorded, so a test can prove that no
// tokenless (IMDSv1) read was ever made.
package metadatafake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Request is one request the fake saw.
type Request struct {
	Method, Path string
	Token        string // X-aws-ec2-metadata-token
	TTL          string // X-aws-ec2-metadata-token-ttl-seconds
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []Request
	// slowFor requests (counted from the first) wait delay: a service
	// that does not answer yet early in boot.
	slowFor int
	delay   time.Duration
	// refuse answers the token PUT with this status (as an instance with
	// IMDS turned off, or a hop limit too low); 0: tokens are issued.
	refuse int
}

// Requests are the requests seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// SetSlow makes the next n requests wait d before answering.
func (s *Server) SetSlow(n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slowFor, s.delay = len(s.reqs)+n, d
}

// RefuseTokens answers every token request with status.
func (s *Server) RefuseTokens(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = status
}

func (s *Server) refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refuse
}

// record notes r and holds it when it is one of the slow ones.
func (s *Server) record(r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.Path,
		Token: r.Header.Get("X-aws-ec2-metadata-token"), TTL: r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds")})
	slow, d := len(s.reqs) <= s.slowFor, s.delay
	s.mu.Unlock()
	if slow {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
}

const token = "fake-imds-token"

// IMDSv2 serves paths under /latest/meta-data/ (keys such as "instance-id",
// "public-hostname") and userData at /latest/user-data ("" = none: 404).
func IMDSv2(paths map[string]string, userData string) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if r.URL.Path == "/latest/api/token" {
			if st := s.refused(); st != 0 {
				http.Error(w, "", st)
				return
			}
			if r.Method != http.MethodPut || r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
				http.Error(w, "", http.StatusBadRequest)
				return
			}
			w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
			_, _ = w.Write([]byte(token))
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token") != token {
			http.Error(w, "", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/latest/user-data" {
			if userData == "" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte(userData))
			return
		}
		v, ok := paths[strings.TrimPrefix(r.URL.Path, "/latest/meta-data/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(v))
	}))
	return s
}

// DigitalOcean serves body as /metadata/v1.json.
func DigitalOcean(body string) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if r.URL.Path != "/metadata/v1.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	return s
}
