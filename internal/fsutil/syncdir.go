package fsutil

// SyncDir makes a directory's entries (a new, renamed or removed file)
// durable: writers that rename or link outside AtomicFile need it too.
func SyncDir(dir string) error { return syncDir(dir) }
