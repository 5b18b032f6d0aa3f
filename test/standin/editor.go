package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

const healthBody = `{"responseMeta":{"status":200,"success":true},"data":"success","errorDisplay":""}`

const startingPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Appsmith</title></head>
<body><h1>Appsmith</h1><p>This is the Appsmith stand-in used by tests.</p></body></html>
`

// handler is what Caddy serves: the health API proxied to the backend (502
// while the backend is not up, as Caddy answers for a dead upstream),
// /info from the image, and the client app for everything else.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/health", func(w http.ResponseWriter, r *http.Request) {
		if !a.backendUp.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(healthBody))
	})
	mux.HandleFunc("/info", func(w http.ResponseWriter, r *http.Request) {
		_, b, err := a.l.readInfo()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(startingPage))
	})
	return mux
}

// loadCustomCert mirrors the contract: ssl/fullchain.pem + ssl/privkey.pem
// are used only with APPSMITH_CUSTOM_DOMAIN set; a pair that does not load
// (bad PEM, mismatched or password-protected key) stops Caddy.
func (a *app) loadCustomCert(log *progLog) (*tls.Certificate, error) {
	domain := a.env["APPSMITH_CUSTOM_DOMAIN"]
	if domain == "" {
		return nil, nil
	}
	chain, key := a.l.stacks("ssl", "fullchain.pem"), a.l.stacks("ssl", "privkey.pem")
	_, errC := os.Stat(chain)
	_, errK := os.Stat(key)
	if errC != nil || errK != nil {
		log.Printf("INFO tls: no custom certificate in ssl/; would obtain one from Let's Encrypt for %s (not attempted by the stand-in); serving HTTP only", domain)
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(chain, key)
	if err == nil && a.cfg.Fault == spec.FaultRejectCert {
		err = fmt.Errorf("tls: unsupported certificate (stand-in fault %q)", a.cfg.Fault)
	}
	if err != nil {
		log.Errorf("Error: loading certificates: %s, %s: %v", chain, key, err)
		return nil, exitf(1, "editor: custom certificate for %s does not load: %v", domain, err)
	}
	log.Printf("INFO tls: using custom certificate ssl/fullchain.pem for %s", domain)
	return &cert, nil
}

func (a *app) editorProgram() program {
	return program{name: "editor", priority: 25, start: func(ctx context.Context, log *progLog) (<-chan error, error) {
		cert, err := a.loadCustomCert(log)
		if err != nil {
			return nil, err
		}
		h := a.handler()
		var servers []*http.Server
		var listeners []net.Listener
		closeAll := func() {
			for _, ln := range listeners {
				ln.Close()
			}
		}
		ln, err := net.Listen("tcp", a.httpAddr)
		if err != nil {
			log.Errorf("Error: %v", err)
			return nil, exitf(1, "editor: %v", err)
		}
		listeners = append(listeners, ln)
		servers = append(servers, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second})
		if cert != nil {
			tln, err := net.Listen("tcp", a.httpsAddr)
			if err != nil {
				closeAll()
				log.Errorf("Error: %v", err)
				return nil, exitf(1, "editor: %v", err)
			}
			listeners = append(listeners, tls.NewListener(tln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}))
			servers = append(servers, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second})
		}
		log.Printf("INFO serving on :80%s", map[bool]string{true: " and :443", false: ""}[cert != nil])

		failed := make(chan error, len(servers))
		for i, srv := range servers {
			go func() {
				if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
					failed <- err
				}
			}()
		}
		done := make(chan error, 1)
		go func() {
			var err error
			select {
			case <-ctx.Done():
			case err = <-failed:
				log.Errorf("Error: %v", err)
				err = exitf(1, "editor: %v", err)
			}
			sctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			for _, srv := range servers {
				if srv.Shutdown(sctx) != nil {
					srv.Close()
				}
			}
			done <- err
		}()
		return done, nil
	}}
}
