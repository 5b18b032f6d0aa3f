// Package kube is the Kubernetes target: it maps the options of an install
// onto the values of Appsmith's official Helm chart (deploy/helm in
// Appsmith's repository) and drives that chart through Helm's action
// package. It asks nothing and renders nothing: the CLI turns install
// options into an Input, and prints what this package returns.
//
// One mapping table per supported chart line (mapping.go) both produces the
// values and documents them (README's Kubernetes section is generated from
// it), so the two cannot drift apart.
package kube
