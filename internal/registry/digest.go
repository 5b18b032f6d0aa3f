package registry

import (
	"context"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Digest resolves a tag reference (repo:tag) to the digest the registry
// serves for it now (the manifest list's when there is one, so a pull by
// that digest still picks the machine's platform): a baked image records
// what it pulled, not a tag that moves.
func Digest(ctx context.Context, ref string) (string, error) {
	var opts []name.Option
	if insecure(ref) {
		opts = append(opts, name.Insecure)
	}
	r, err := name.NewTag(ref, opts...)
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return "", err
	}
	return desc.Digest.String(), nil
}
