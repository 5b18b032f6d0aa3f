// Package instance is what every lifecycle command shares about an installed
// Appsmith: the install-dir layout, the install's containers, the container
// spec, the state file, and readiness — whether a started container became
// the Appsmith it should be, or never will. install/, internal/tlsconf and
// the day-two commands use it; it imports no UI and not install/.
package instance
