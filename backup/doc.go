// Package backup is appsmith-install's backup and restore core: the archive
// format (a tar whose first entry is manifest.json, compressed with zstd,
// encrypted with age), the stores archives live in (a local directory, S3 and
// compatible stores), Appsmith's own appsmithctl archives (read and written,
// so a user is never locked in), and the journaled plans that take a backup
// out of a running instance and restore one into it.
//
// It imports no UI and no cobra: internal/cli asks and renders, this package
// computes and acts.
//
// An archive, once decrypted and decompressed, is a tar:
//
//	manifest.json           what the archive holds (Manifest), always first
//	db/mongodb.archive.gz   mongodump --archive --gzip [--oplog] (online, MongoDB)
//	db/postgres.dump        pg_dump -Fc (online, PostgreSQL)
//	stacks/...              the instance's stacks files, relative to stacks/
//
// Every regular file's size and sha256 are in the manifest, so an archive is
// verified entry by entry without this tool's help beyond reading the JSON.
package backup
