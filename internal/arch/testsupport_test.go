package arch

import "testing"

// The test-support packages are for tests only: a fake that reached the
// binary would answer in place of the engine.
func TestTestSupportStaysOutOfTheProduct(t *testing.T) {
	support := map[string]bool{mod + "/internal/dockerfake": true, mod + "/internal/testenv": true}
	for path, p := range load(t) {
		if !own(path) || support[path] {
			continue
		}
		for _, d := range p.Deps {
			if support[d] {
				t.Errorf("%s depends on %s: only tests may", path, d)
			}
		}
	}
}
