// Package instance is what every lifecycle command shares about one
// install: its containers, the spec they are created from and the inspect →
// spec round trip that recreates one on a new tag, readiness, the standard
// steps. It imports no UI and no cobra.
package instance
