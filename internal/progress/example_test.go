package progress_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

// The CLI's use: parse --progress, let NO_COLOR decide colour, render a plan.
// Out is os.Stdout here only so the example can show its output; the CLI
// passes os.Stderr.
func ExampleNew() {
	mode, err := progress.ParseMode("quiet")
	if err != nil {
		fmt.Println(err)
		return
	}
	sink, err := progress.New(mode, progress.Options{Out: os.Stdout, NoColor: !progress.ColorAllowed(os.Getenv)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sink.Close()

	plan := engine.Plan{Name: "install", Steps: []engine.Step{
		{ID: "env", Title: "Writing docker.env", Run: func(_ context.Context, r engine.Reporter) error {
			r.Warn("port 80 is in use; Appsmith will listen on 8080")
			return nil
		}},
		{ID: "healthy", Title: "Waiting for Appsmith", Run: func(context.Context, engine.Reporter) error {
			return errors.New("container appsmith did not become healthy")
		}},
	}}
	if err := engine.Run(context.Background(), plan, sink); err != nil {
		// The plan's failure is the caller's to print, once.
		fmt.Printf("error: %v\n", err)
	}
	// Output:
	// warning: port 80 is in use; Appsmith will listen on 8080
	// error: container appsmith did not become healthy
}

func ExampleParseMode() {
	_, err := progress.ParseMode("fancy")
	fmt.Println(err)
	// Output: invalid --progress "fancy": want auto, tty, plain, json or quiet
}
