// Command kubepause is the sandbox ("pause") container of the testenv
// kubelet node: it holds the pod's namespaces and waits to be stopped, as
// registry.k8s.io/pause does. That image cannot be pulled here (no public
// registry), so the plane builds this and imports it into its containerd.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// As PID 1 of the pod it also reaps the orphans that join it.
	signal.Ignore(syscall.SIGCHLD)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
