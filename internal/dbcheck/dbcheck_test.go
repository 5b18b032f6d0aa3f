package dbcheck

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestReachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	if err := Reachable(context.Background(), "mongodb://u:p@"+addr+"/appsmith"); err != nil {
		t.Fatalf("listening server: %v", err)
	}
	if err := Reachable(context.Background(), "mongodb://u:p@"+addr+","+addr+"/appsmith?replicaSet=rs0"); err != nil {
		t.Fatalf("host list: %v", err)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := closed.Addr().String()
	closed.Close()
	err = Reachable(context.Background(), "postgresql://u:s3cret@"+dead+"/appsmith")
	if err == nil || !strings.Contains(err.Error(), dead) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("closed port: %v", err)
	}
}
