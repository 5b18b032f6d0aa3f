package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// The real supervisorctl speaks XML-RPC to supervisord over a unix socket;
// the stand-in keeps the socket and swaps the protocol for one JSON exchange.
type ctlRequest struct {
	Args []string `json:"args"`
}

type ctlResponse struct {
	Output string `json:"output"`
	Code   int    `json:"code"`
}

// serveControl accepts supervisorctl connections until the listener closes.
func serveControl(ln net.Listener, s *supervisor) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			var req ctlRequest
			if err := json.NewDecoder(c).Decode(&req); err != nil {
				return
			}
			out, code := s.control(req.Args)
			_ = json.NewEncoder(c).Encode(ctlResponse{Output: out, Code: code})
		}()
	}
}

func listenControl(l layout) (net.Listener, error) {
	_ = os.Remove(l.socket()) // a stale socket from a previous container start
	return net.Listen("unix", l.socket())
}

// supervisorctl is the client side, run by `docker exec`.
func supervisorctl(l layout, args []string, stdout io.Writer) int {
	c, err := net.DialTimeout("unix", l.socket(), 5*time.Second)
	if err != nil {
		fmt.Fprintf(stdout, "unix://%s no such file\n", l.socket())
		return 7
	}
	defer c.Close()
	if err := json.NewEncoder(c).Encode(ctlRequest{Args: args}); err != nil {
		fmt.Fprintln(stdout, "error:", err)
		return 1
	}
	var resp ctlResponse
	if err := json.NewDecoder(c).Decode(&resp); err != nil {
		fmt.Fprintln(stdout, "error: supervisor closed the connection:", err)
		return 1
	}
	if resp.Output != "" {
		fmt.Fprintln(stdout, resp.Output)
	}
	return resp.Code
}
