package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Every usage error exits 2 (engine.ExitUsage) with a message in this
// tool's words naming the flag, argument or command at fault. Cobra reports
// them as plain errors (exit 1) in the parser's words; these functions
// translate at the one place each kind is raised.

// flagError words a flag parsing error.
func flagError(cmd *cobra.Command, err error) error {
	var inv *pflag.InvalidValueError
	var req *pflag.ValueRequiredError
	switch {
	case errors.As(err, &inv):
		f := inv.GetFlag()
		want := "a valid value"
		switch f.Value.Type() {
		case "int", "int64", "uint", "uint16":
			want = "a whole number"
		case "duration":
			want = "a duration such as 10m or 90s"
		case "bool":
			want = "true or false"
		}
		return engine.UsageError("invalid --%s %q: want %s", f.Name, inv.GetValue(), want)
	case errors.As(err, &req):
		// The install's --version is Appsmith's version; one who types
		// `appsmith --version` wants the installer's.
		if req.GetSpecifiedName() == "version" {
			return engine.Errorf(engine.ExitUsage, "`"+cmd.Root().Name()+" version` prints the installer's version",
				"--version needs the Appsmith version to install, such as v1.9.2 or latest")
		}
		return engine.UsageError("--%s needs a value", req.GetSpecifiedName())
	}
	return engine.Errorf(engine.ExitUsage, "`"+cmd.CommandPath()+" --help` lists the flags", "%v", err)
}

// strictArgs makes every command's argument check a usage error in this
// tool's words. A command with subcommands but no action of its own takes
// no arguments: `appsmith tls foo` is an unknown command, not help.
func strictArgs(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		strictArgs(c)
	}
	check := cmd.Args
	if check == nil {
		check = cobra.NoArgs
	}
	cmd.Args = func(c *cobra.Command, args []string) error {
		if err := check(c, args); err != nil {
			return argsError(c, args, err)
		}
		return nil
	}
}

func argsError(c *cobra.Command, args []string, err error) error {
	help := "`" + c.CommandPath() + " --help`"
	if c.HasAvailableSubCommands() && len(args) > 0 {
		msg := fmt.Sprintf("unknown command %q for %s", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", s[0])
		}
		return engine.Errorf(engine.ExitUsage, help+" lists the commands", "%s", msg)
	}
	// cobra.NoArgs says "unknown command" for a stray word: for a command
	// with none to run, the word is an argument it does not take.
	if c.Use == c.Name() || len(args) > 0 && strings.HasPrefix(err.Error(), "unknown command") {
		return engine.Errorf(engine.ExitUsage, help+" says how to use it (a flag's value with a space in it needs quotes)",
			"%s takes no arguments, not %q", c.CommandPath(), strings.Join(args, " "))
	}
	msg := c.CommandPath() + " " + strings.ReplaceAll(err.Error(), "arg(s)", "argument(s)")
	if len(args) > 0 {
		msg += fmt.Sprintf(" (%q)", strings.Join(args, " "))
	}
	return engine.Errorf(engine.ExitUsage, help+" says how to use it", "%s; usage: %s", msg, c.UseLine())
}

// helpGuard wraps the help function: "appsmith backup --help" asks for help
// on a command that does not exist, which is an error, not the root's help.
// The error is kept in *failed for Main, as cobra's help path returns none.
func helpGuard(root *cobra.Command, failed *error) {
	show := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		// Only words that are there can be wrong: `tls add-ca --help`
		// lacks its FILE, which is no reason to refuse its help.
		if rest := c.Flags().Args(); c.Args != nil && c.Flags().Parsed() && len(rest) > 0 {
			if err := c.Args(c, rest); err != nil {
				*failed = err
				return
			}
		}
		show(c, args)
	})
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Help about any command",
		Args:  cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			c, rest, err := root.Find(args)
			if err != nil {
				return engine.UsageError("%v", err)
			}
			if len(rest) > 0 && c.Args != nil {
				if err := c.Args(c, rest); err != nil {
					return err
				}
			}
			return c.Help()
		},
	})
}
