package bundle

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"

	"github.com/appsmith-install/appsmith-install/upgrade"
)

func hopsTo(vs []string) []upgrade.Hop {
	var hs []upgrade.Hop
	for _, v := range vs {
		hs = append(hs, upgrade.Hop{To: v})
	}
	return hs
}

func sha(h *tar.Header, body []byte) string {
	hs := sha256.New()
	if h.Typeflag == tar.TypeReg {
		hs.Write(body)
	} else {
		hashSpecial(hs, h)
	}
	return hex.EncodeToString(hs.Sum(nil))
}
