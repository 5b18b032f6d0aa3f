// Package instance is what every lifecycle command shares about one
// installed Appsmith: where its files are (the install-dir layout), which
// containers are its own and in which role, and the state file's record of
// it. install/, internal/tlsconf and the coming upgrade/ and backup/ build on
// it; it knows no UI and imports no command's core.
package instance
