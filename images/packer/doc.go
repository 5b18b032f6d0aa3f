// Package packer holds the Packer templates that bake Appsmith's machine
// images for AWS and DigitalOcean (*.pkr.hcl beside this file) and their
// tests: the templates read with hcl/v2 (what they require, build and run,
// in which order), the user-data examples checked by cloud-init's own
// schema, and the real `packer validate` and `packer fmt -check` with the
// pinned Packer and plugins scripts/packer-tools.sh builds. It has no code:
// the binary the images carry does the work (`image prepare`, `image
// check`, `firstboot`).
package packer
