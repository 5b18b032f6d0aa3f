// Command testapp is the entrypoint of the tiny image the real-engine tests
// of package docker run: it writes known lines to stdout and stderr and a
// file into its bind mount, then waits to be stopped. Run as
// "testapp exec CODE" it echoes its stdin and $SECRET and exits with CODE,
// for the exec tests.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "exec" {
		in, _ := io.ReadAll(os.Stdin)
		fmt.Printf("stdin=%s secret=%s\n", in, os.Getenv("SECRET"))
		fmt.Fprintln(os.Stderr, "to stderr")
		code, _ := strconv.Atoi(os.Args[2])
		os.Exit(code)
	}
	// The file first: the test reads it once the logs are complete.
	if dir := os.Getenv("MOUNT_DIR"); dir != "" {
		if err := os.WriteFile(dir+"/hello.txt", []byte("hello\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	fmt.Println("hello stdout")
	fmt.Fprintln(os.Stderr, "hello stderr")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
