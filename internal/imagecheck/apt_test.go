package imagecheck

import (
	"slices"
	"testing"
)

func TestSecurityUpgrades(t *testing.T) {
	out := `Reading package lists...
Building dependency tree...
The following packages will be upgraded:
  libssl3 openssl tzdata
Inst libssl3 [3.0.11-1~deb12u1] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst openssl [3.0.11-1~deb12u1] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])
Conf libssl3 (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
Conf openssl (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
Conf tzdata (2025b-0+deb12u1 Debian:12.11/stable [all])
`
	if got := securityUpgrades(out); !slices.Equal(got, []string{"libssl3", "openssl"}) {
		t.Errorf("securityUpgrades = %v", got)
	}
	if got := securityUpgrades("0 upgraded, 0 newly installed\n"); len(got) != 0 {
		t.Errorf("nothing to upgrade: %v", got)
	}
}
