package instance

import "strings"

// RepoDigest picks, among an image's RepoDigests, the one of the repository
// ref was pulled from. One image can be known under several repositories
// (the CE and EE images share layers and sometimes a digest); the first
// entry may name another one. "" when none matches: no digest is better
// than another repository's.
func RepoDigest(ref string, digests []string) string {
	want := Repository(ref)
	for _, d := range digests {
		if i := strings.LastIndex(d, "@"); i > 0 && Repository(d[:i]) == want {
			return d
		}
	}
	return ""
}

// Repository is ref's repository without tag or digest, in the engine's short
// form: Docker Hub's "docker.io/" and "library/" prefixes dropped.
func Repository(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		ref = strings.TrimPrefix(ref, p)
	}
	if r, ok := strings.CutPrefix(ref, "library/"); ok && !strings.Contains(r, "/") {
		ref = r
	}
	return ref
}
