// Package upgrade plans and runs checkpoint-aware upgrades: the path from
// the running version to the target through every checkpoint release the
// data must have started on, the MongoDB steps each hop needs, and (on the
// lifecycle core's journal) the hops themselves with a rollback that puts
// the data back. The facts it plans from live in internal/releases.
package upgrade
