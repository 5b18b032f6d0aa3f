package stacks

import "strings"

// Kinds of database an install uses, as recorded in appsmith.yaml and shown
// by status, --dry-run and the wizard.
const (
	DBEmbeddedPostgreSQL = "embedded-" + EmbeddedPostgreSQL
	DBEmbeddedMongoDB    = "embedded-" + EmbeddedMongoDB
	DBExternal           = "external"
)

// DatabaseKind classifies a docker.env database URL the way the entrypoint
// does: local (localhost or 127.0.0.1) is the embedded database, whose
// kind the scheme names (only postgresql: starts PostgreSQL). "" for none.
func DatabaseKind(dbURL string) string {
	switch {
	case dbURL == "":
		return ""
	case !isLocalDB(dbURL):
		return DBExternal
	case strings.HasPrefix(dbURL, "postgresql:"):
		return DBEmbeddedPostgreSQL
	default:
		return DBEmbeddedMongoDB
	}
}

// DatabaseLabel is a kind for people: "embedded PostgreSQL".
func DatabaseLabel(kind string) string {
	switch kind {
	case DBEmbeddedPostgreSQL:
		return "embedded PostgreSQL"
	case DBEmbeddedMongoDB:
		return "embedded MongoDB"
	case DBExternal:
		return "external"
	case "embedded": // appsmith.yaml of an earlier appsmith-install
		return "embedded"
	}
	return kind
}

// IsLocalRedis mirrors the entrypoint: a Redis URL naming localhost or
// 127.0.0.1 is the embedded Redis, with or without the password newer
// entrypoints put into it.
func IsLocalRedis(u string) bool {
	return strings.Contains(u, "localhost") || strings.Contains(u, "127.0.0.1")
}
