// Command gen-stacks writes a stacks directory for benchmarks:
//
//	go run ./test/gen-stacks -size 100M -o /tmp/stacks-100m
//	go run ./test/gen-stacks -size 2G -seed 7 -version v1.99 -o /tmp/stacks-2g
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/appsmith-install/appsmith-install/test/stacksgen"
)

func main() {
	size := flag.String("size", "100M", "total size: 100M, 2G, or bytes")
	out := flag.String("o", "", "directory to create (must be absent or empty)")
	seed := flag.Uint64("seed", 1, "same seed, same tree")
	version := flag.String("version", "v1.9.2", "Appsmith release that last ran on the data")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen-stacks -size 100M|2G -o DIR [-seed N] [-version vX.Y.Z]")
		os.Exit(2)
	}
	n, err := stacksgen.ParseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-stacks: -size:", err)
		os.Exit(2)
	}
	st, err := stacksgen.Generate(*out, stacksgen.Options{Size: n, Seed: *seed, Version: *version})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-stacks:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d files, %d bytes\n", *out, st.Files, st.Bytes)
}
