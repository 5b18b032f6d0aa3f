// Command table turns `go test -bench` output into the benchmark table of
// `make bench`, beside each target. It reports; it never fails on a miss.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// targets from DESIGN.md, by metric unit.
var targets = map[string]string{
	"overhead-ms": "≤ 500",
	"ours-ms":     "",
	"ms/status":   "≤ 100",
	// Upgrade downtime (issue 11): the longest outage minus the new
	// container's own boot.
	"downtime-over-boot-ms": "≤ 1000",
	// The backup archive (issue 10), test/bench.
	"backup-x-targz":      "≥ 8",
	"restore-x-tarxz":     "≥ 8",
	"size-x-gz":           "≤ 1.1",
	"backup-RSS-MiB":      "≤ 100",
	"backup-pass-RSS-MiB": "≤ 100",
	"restore-RSS-MiB":     "≤ 100",
	// First boot of a baked image (issue 12): ready within the container's
	// own boot + 5 s, with no network.
	"firstboot-over-boot-ms": "≤ 5000",
	// Air-gapped bundles (issue 15): create + load beside the engine's own
	// save + load of the same images.
	"time-ratio":        "≤ 1.1",
	"size-ratio-images": "≤ 1.1",
	// Kubernetes on a real kubelet (issue 14): a hop's snapshot and checks
	// beside a bare `helm upgrade --wait` of the same release.
	"hop-over-helm-ms": "",
}

// yardsticks are measured for comparison only: no target is theirs.
var yardsticks = []string{"ComposeDowntime"}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	fmt.Printf("%-32s %-20s %12s %10s\n", "benchmark", "metric", "value", "target")
	fmt.Println(strings.Repeat("-", 78))
	failed := false
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasPrefix(f[0], "Benchmark") {
			// A benchmark's log (--- BENCH and its lines) is context; only
			// FAIL lines fail the table.
			if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "---") || strings.Contains(line, "_test.go:") {
				fmt.Fprintln(os.Stderr, line)
				failed = failed || strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL")
			}
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		for i := 2; i+1 < len(f); i += 2 {
			unit := f[i+1]
			if unit == "ns/op" {
				continue
			}
			target := targets[unit]
			for _, y := range yardsticks {
				if strings.HasPrefix(name, y) {
					target = "(yardstick)"
				}
			}
			fmt.Printf("%-32s %-20s %12s %10s\n", name, unit, f[i], target)
		}
	}
	if failed {
		os.Exit(1)
	}
}
