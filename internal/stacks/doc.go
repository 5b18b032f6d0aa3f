// Package stacks knows the Appsmith "stacks" volume (mounted at
// /appsmith-stacks, on the host usually <install dir>/stacks): where each
// part lives, how to lay out a fresh one, and how to read and edit its
// configuration/docker.env exactly as the container's bash reads it, without
// losing a comment or regenerating a secret.
package stacks
