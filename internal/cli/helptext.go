package cli

import (
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// installHelp is the part of the install help a script author looks for:
// where options come from besides flags, and what the exit code means.
// The README has the full tables.
var installHelp = fmt.Sprintf(`
Environment:
  APPSMITH_INSTALL_<FLAG>  an install option, named as its flag in upper case with '_' for '-' (..._HTTP_PORT=8080);
                           prefer it (or --config) to a flag for a URL with a password
  APPSMITH_DIR             the install directory, for every command (as --dir)
  NO_COLOR, TERM=dumb      no colour; the wizard asks line by line (screen readers)

Exit codes:
  %d    success
  %d    an operation failed (the message says which, "hint:" what to run next)
  %d    bad flag, config file or environment value; nothing changed
  %d    a preflight check failed; nothing changed
  %d    Appsmith did not become ready; the container and data are kept
  %d    no Appsmith installed in the install directory
  %d    appsmith doctor: warnings, no failure
  %d  interrupted; re-run the same command to continue

More: README.md (options, config keys, TLS, status fields).`,
	engine.ExitOK, engine.ExitFailure, engine.ExitUsage, engine.ExitPreflight,
	engine.ExitNotReady, engine.ExitNotFound, engine.ExitWarnings, engine.ExitInterrupted)
