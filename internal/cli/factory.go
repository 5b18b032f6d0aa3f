package cli

// Factory is what every command's constructor gets (GitHub cli's shape):
// where to read and write, the outside world, and the root's persistent
// flags (--dir, --progress), which are read when the command runs. Each
// command copies what it needs into its own options struct, so its run
// function can be called by a test without cobra.
type Factory struct {
	IO   IO
	Deps Deps
	root *rootOpts
}
