package hint

import "testing"

func TestAppsmithNamesTheDirOnlyWhenNotDefault(t *testing.T) {
	cases := []struct{ dir, args, want string }{
		{"/opt/appsmith", "status", "appsmith status"},
		{"/opt/appsmith/", "status", "appsmith status"},
		{"", "logs -f", "appsmith logs -f"},
		{"/srv/appsmith", "logs -f", "appsmith logs -f --dir /srv/appsmith"},
		{"/srv/my apps", "start", "appsmith start --dir '/srv/my apps'"},
		{"/srv/it's", "start", `appsmith start --dir '/srv/it'\''s'`},
	}
	for _, c := range cases {
		if got := Appsmith(c.dir, c.args); got != c.want {
			t.Errorf("Appsmith(%q, %q) = %q, want %q", c.dir, c.args, got, c.want)
		}
	}
	if got := Install("/srv/a", "--yes"); got != "appsmith-install --yes --dir /srv/a" {
		t.Errorf("Install: %q", got)
	}
}

func TestWithDirAddsTheDirToQuotedCommands(t *testing.T) {
	cases := []struct{ in, dir, want string }{
		{"see `appsmith logs -f` and `appsmith status`; then `appsmith-install --yes`", "/srv/a",
			"see `appsmith logs -f --dir /srv/a` and `appsmith status --dir /srv/a`; then `appsmith-install --yes --dir /srv/a`"},
		{"see `appsmith logs -f`", "/opt/appsmith", "see `appsmith logs -f`"},
		{"`appsmith --dir /x uninstall` keeps it", "/srv/a", "`appsmith --dir /x uninstall` keeps it"},
		{"`appsmith tls status --dir=/x`", "/srv/a", "`appsmith tls status --dir=/x`"},
		{"start Docker (`sudo systemctl start docker`)", "/srv/a", "start Docker (`sudo systemctl start docker`)"},
		{"`appsmith version`", "/srv/a", "`appsmith version`"},
		{"`appsmith`", "/srv/a", "`appsmith --dir /srv/a`"},
	}
	for _, c := range cases {
		if got := WithDir(c.in, c.dir); got != c.want {
			t.Errorf("WithDir(%q, %q)\n got %q\nwant %q", c.in, c.dir, got, c.want)
		}
	}
}
