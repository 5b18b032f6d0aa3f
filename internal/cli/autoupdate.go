package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// AutoUpdateOptions are `appsmith auto-update`'s.
type AutoUpdateOptions struct {
	IO             IO
	Deps           Deps
	Root           *rootOpts
	Window         string
	Channel        string
	PassphraseFile string
	JSON           bool
	// SystemRoot is where /etc and /run are ("/"; tests use a scratch dir).
	SystemRoot string
	// Binary is the command the timer runs (this executable).
	Binary string
}

// NewCmdAutoUpdate builds `auto-update enable|disable|status`.
func NewCmdAutoUpdate(f *Factory) *cobra.Command {
	opts := &AutoUpdateOptions{IO: f.IO, Deps: f.Deps, Root: f.root, SystemRoot: "/"}
	cmd := &cobra.Command{
		Use:   "auto-update",
		Short: "Upgrade by itself in a maintenance window, within a channel, with a backup first and rollback on failure",
		Long: "The safe replacement for Watchtower: a systemd timer (a cron file where systemd is absent) runs\n" +
			"`appsmith upgrade --auto` in the window. It upgrades to the newest release within the channel (patch:\n" +
			"the same major.minor; minor: the same major; latest), stepping through every checkpoint on the way,\n" +
			"takes a backup first when it has a passphrase file, and rolls back by itself when the new version is\n" +
			"not ready. appsmith.yaml records the settings and the last outcome; `appsmith status` shows them.",
		Args: cobra.NoArgs,
	}
	enable := &cobra.Command{
		Use:   "enable --window \"Sun 03:00\" [--channel patch|minor|latest]",
		Short: "Write and enable the timer",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return autoUpdateEnable(cmd.Context(), opts) },
	}
	enable.Flags().StringVar(&opts.Window, "window", "", `when to upgrade: a day and a time ("Sun 03:00"), or "daily 03:00" (the host's local time)`)
	enable.Flags().StringVar(&opts.Channel, "channel", upgrade.ChannelPatch, "how far to go: patch (same major.minor), minor (same major) or latest")
	enable.Flags().StringVar(&opts.PassphraseFile, "passphrase-file", "", "file holding the backup passphrase, for a backup before each upgrade (env "+passphraseEnv+")")
	disable := &cobra.Command{
		Use:   "disable",
		Short: "Remove the timer (the last outcome stays recorded)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return autoUpdateDisable(cmd.Context(), opts) },
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the window, the channel, the timer files and the last outcome",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return autoUpdateStatus(cmd.Context(), opts) },
	}
	status.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (fields documented in README.md)")
	cmd.AddCommand(enable, disable, status)
	return cmd
}

// window is a maintenance window: a day of the week ("" = every day) and
// a time of day.
type window struct {
	day          string // Mon … Sun, or ""
	hour, minute int
}

var weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"} // cron's 0–6

func parseWindow(s string) (window, error) {
	bad := engine.UsageError(`--window %q: a day and a time as "Sun 03:00" (Mon … Sun, 24-hour HH:MM), or "daily 03:00"`, s)
	f := strings.Fields(s)
	if len(f) != 2 {
		return window{}, bad
	}
	var w window
	if !strings.EqualFold(f[0], "daily") {
		for _, d := range weekdays {
			if strings.EqualFold(f[0], d) {
				w.day = d
			}
		}
		if w.day == "" {
			return window{}, bad
		}
	}
	m := hhmm.FindStringSubmatch(f[1])
	if m == nil {
		return window{}, bad
	}
	w.hour, _ = strconv.Atoi(m[1])
	w.minute, _ = strconv.Atoi(m[2])
	return w, nil
}

func (w window) String() string {
	d := w.day
	if d == "" {
		d = "daily"
	}
	return fmt.Sprintf("%s %02d:%02d", d, w.hour, w.minute)
}

func (w window) calendar() string {
	c := fmt.Sprintf("*-*-* %02d:%02d:00", w.hour, w.minute)
	if w.day != "" {
		c = w.day + " " + c
	}
	return c
}

func (w window) cron() string {
	dow := "*"
	for i, d := range weekdays {
		if d == w.day {
			dow = strconv.Itoa(i)
		}
	}
	return fmt.Sprintf("%d %d * * %s", w.minute, w.hour, dow)
}

func autoUpdateFiles(root, dir string) scheduleFiles {
	return unitFiles(root, "appsmith-auto-update", dir)
}

func autoUpdateEnable(ctx context.Context, opts *AutoUpdateOptions) error {
	if opts.Window == "" {
		return engine.UsageError(`auto-update enable needs --window, such as --window "Sun 03:00" or --window "daily 03:00"`)
	}
	w, err := parseWindow(opts.Window)
	if err != nil {
		return err
	}
	if !upgrade.ValidChannel(opts.Channel) {
		return engine.UsageError("--channel %q: patch (same major.minor), minor (same major) or latest", opts.Channel)
	}
	var env []string
	pass := opts.PassphraseFile
	if pass == "" {
		pass = opts.IO.Getenv(passphraseEnv)
	}
	if pass != "" {
		flag := "--passphrase-file"
		if opts.PassphraseFile == "" {
			flag = passphraseEnv
		}
		if _, err := readPassphrase(pass, flag); err != nil {
			return err // refused today rather than a backup that fails every week
		}
		abs, err := filepath.Abs(pass)
		if err != nil {
			return err
		}
		env = append(env, passphraseEnv+"="+abs)
	}
	in, err := locateForChange(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	defer in.release()
	opts.Root.usedDir = in.dir
	if in.state == nil {
		return engine.Errorf(engine.ExitPreflight, "`"+hint.Appsmith(in.dir, "status")+"` shows why",
			"%s is missing or damaged: auto-update records its settings there", state.Path(in.dir))
	}
	bin := opts.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return err
		}
	}
	files := autoUpdateFiles(opts.SystemRoot, in.dir)
	job := timerJob{root: opts.SystemRoot, files: files, by: "appsmith auto-update enable", off: hint.Appsmith(in.dir, "auto-update disable"),
		what: "Upgrade the Appsmith instance in " + in.dir + " within its channel", when: "Auto-update window (" + w.String() + ") of the Appsmith instance in " + in.dir,
		env: env, cmds: [][]string{{bin, "--dir", in.dir, "--progress", "plain", "upgrade", "--auto"}},
		calendar: w.calendar(), cron: w.cron()}
	systemd, enableCmd, err := job.write(ctx)
	if err != nil {
		return err
	}
	au := in.state.AutoUpdate
	if au == nil {
		au = &state.AutoUpdate{}
	}
	au.Window, au.Channel = w.String(), opts.Channel
	in.state.AutoUpdate = au
	if err := state.Save(in.dir, in.state); err != nil {
		return err
	}
	where := files.timer + " (logs: `journalctl -u " + files.unit + "`)"
	if !systemd {
		where = files.cron + " (no systemd here; logs go to syslog as " + files.unit + ")"
	}
	fmt.Fprintf(opts.IO.Err, "Auto-update of %s: %s, channel %s: %s.\n", in.dir, w, opts.Channel, where)
	if !systemd {
		warnNoCron(opts.IO, opts.SystemRoot)
	}
	if enableCmd != "" {
		fmt.Fprintf(opts.IO.Err, "Enable it with `%s`.\n", enableCmd)
	}
	if len(env) == 0 {
		fmt.Fprintf(opts.IO.Err, "No backup passphrase file (--passphrase-file or %s): each upgrade's copy of the stacks is its only rollback point.\n", passphraseEnv)
	}
	fmt.Fprintf(opts.IO.Err, "`%s` runs one now; `%s` shows the last outcome.\n", hint.Appsmith(in.dir, "upgrade --auto"), hint.Appsmith(in.dir, "auto-update status"))
	return nil
}

func autoUpdateDisable(ctx context.Context, opts *AutoUpdateOptions) error {
	in, err := locateForChange(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	defer in.release()
	opts.Root.usedDir = in.dir
	removed, err := removeTimer(ctx, opts.SystemRoot, autoUpdateFiles(opts.SystemRoot, in.dir))
	if err != nil {
		return err
	}
	if in.state != nil && in.state.AutoUpdate != nil && in.state.AutoUpdate.Window != "" {
		in.state.AutoUpdate.Window = ""
		if err := state.Save(in.dir, in.state); err != nil {
			return err
		}
		removed++
	}
	if removed == 0 {
		fmt.Fprintf(opts.IO.Err, "Auto-update is not enabled for %s.\n", in.dir)
	} else {
		fmt.Fprintf(opts.IO.Err, "Auto-update of %s disabled.\n", in.dir)
	}
	return nil
}

// AutoUpdateStatus is `auto-update status --json` (documented in the README).
type AutoUpdateStatus struct {
	Dir        string                  `json:"dir"`
	Enabled    bool                    `json:"enabled"` // a window is recorded and its timer files exist
	Window     string                  `json:"window,omitempty"`
	Channel    string                  `json:"channel"`
	TimerFiles []string                `json:"timer_files"`
	Last       *state.AutoUpdateRecord `json:"last,omitempty"`
}

func autoUpdateStatus(ctx context.Context, opts *AutoUpdateOptions) error {
	in, err := locate(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	opts.Root.usedDir = in.dir
	st := AutoUpdateStatus{Dir: in.dir, Channel: upgrade.ChannelPatch, TimerFiles: []string{}}
	if in.state != nil && in.state.AutoUpdate != nil {
		au := in.state.AutoUpdate
		st.Window, st.Last = au.Window, au.Last
		if au.Channel != "" {
			st.Channel = au.Channel
		}
	}
	f := autoUpdateFiles(opts.SystemRoot, in.dir)
	for _, p := range []string{f.service, f.timer, f.cron} {
		if _, err := os.Stat(p); err == nil {
			st.TimerFiles = append(st.TimerFiles, p)
		}
	}
	st.Enabled = st.Window != "" && len(st.TimerFiles) > 0
	if opts.JSON {
		return printJSON(opts.IO, st)
	}
	w := opts.IO.Out
	switch {
	case st.Enabled:
		fmt.Fprintf(w, "Auto-update of %s: %s, channel %s\n", in.dir, st.Window, st.Channel)
	case st.Window != "":
		fmt.Fprintf(w, "Auto-update of %s: %s, channel %s, but its timer files are gone: `%s` writes them again\n",
			in.dir, st.Window, st.Channel, hint.Appsmith(in.dir, "auto-update enable --window '"+st.Window+"' --channel "+st.Channel))
	default:
		fmt.Fprintf(w, "Auto-update of %s: off (`%s`)\n", in.dir, hint.Appsmith(in.dir, `auto-update enable --window "Sun 03:00"`))
	}
	for _, p := range st.TimerFiles {
		fmt.Fprintf(w, "  file:  %s\n", p)
	}
	fmt.Fprintf(w, "  last:  %s\n", autoUpdateLine(st.Last, opts.Deps.now()))
	return nil
}

// autoUpdateLine tells the last `upgrade --auto` in a line.
func autoUpdateLine(r *state.AutoUpdateRecord, now time.Time) string {
	if r == nil {
		return "never ran"
	}
	s := fmt.Sprintf("%s ago, %s", age(now, r.At), r.Outcome)
	switch {
	case r.To != "":
		s += fmt.Sprintf(" (%s → %s)", r.From, r.To)
	case r.From != "":
		s += fmt.Sprintf(" (on %s)", r.From)
	}
	if r.Backup != "" {
		s += ", backup " + r.Backup
	}
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}

// autoUpdateSettings is the window and channel in words.
func autoUpdateSettings(au *state.AutoUpdate) string {
	if au.Window == "" {
		return "off"
	}
	ch := au.Channel
	if ch == "" {
		ch = upgrade.ChannelPatch
	}
	return au.Window + ", channel " + ch
}
