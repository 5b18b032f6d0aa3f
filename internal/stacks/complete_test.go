package stacks

import (
	"reflect"
	"strings"
	"testing"
)

func TestComplete(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		opts  EnvOptions
		added []string
		check func(t *testing.T, env *EnvFile)
	}{
		{"empty file gets everything", "", EnvOptions{},
			[]string{KeyDBURL, KeyMongoDBUser, KeyMongoDBPassword, KeyRedisURL, KeyEncryptionPassword, KeyEncryptionSalt, KeySupervisorUser, KeySupervisorPassword},
			func(t *testing.T, env *EnvFile) {
				pw := get(t, env, KeyMongoDBPassword)
				if get(t, env, KeyDBURL) != "mongodb://appsmith:"+pw+"@localhost:27017/appsmith" {
					t.Error("DB URL does not carry the new MongoDB password")
				}
			}},
		{"missing encryption keys only", "# mine\nAPPSMITH_DB_URL=postgresql://db.example.net/appsmith\nAPPSMITH_REDIS_URL=redis://r:6379\nAPPSMITH_SUPERVISOR_USER=me\nAPPSMITH_SUPERVISOR_PASSWORD=\n",
			EnvOptions{}, []string{KeyEncryptionPassword, KeyEncryptionSalt}, nil},
		{"empty secrets are present, not missing", "APPSMITH_DB_URL=\nAPPSMITH_REDIS_URL=\nAPPSMITH_ENCRYPTION_PASSWORD=\nAPPSMITH_ENCRYPTION_SALT=\nAPPSMITH_SUPERVISOR_USER=\nAPPSMITH_SUPERVISOR_PASSWORD=\n",
			EnvOptions{}, nil, nil},
		{"legacy URI is the DB URL", "APPSMITH_MONGODB_URI=mongodb://old:pw@localhost/appsmith\n",
			EnvOptions{DBURL: "mongodb://new/x"},
			[]string{KeyMongoDBUser, KeyMongoDBPassword, KeyRedisURL, KeyEncryptionPassword, KeyEncryptionSalt, KeySupervisorUser, KeySupervisorPassword},
			func(t *testing.T, env *EnvFile) {
				if env.Has(KeyDBURL) || get(t, env, KeyMongoDBUser) != "old" || get(t, env, KeyMongoDBPassword) != "pw" {
					t.Error("MongoDB credentials not taken from the legacy URI")
				}
			}},
		{"existing MongoDB password reused for a missing URL", "APPSMITH_MONGODB_PASSWORD=kept\n", EnvOptions{},
			[]string{KeyDBURL, KeyMongoDBUser, KeyRedisURL, KeyEncryptionPassword, KeyEncryptionSalt, KeySupervisorUser, KeySupervisorPassword},
			func(t *testing.T, env *EnvFile) {
				if get(t, env, KeyDBURL) != "mongodb://appsmith:kept@localhost:27017/appsmith" {
					t.Error("the URL does not use the existing password")
				}
			}},
		{"external database from options", "", EnvOptions{DBURL: "postgresql://u:p@db/x", RedisURL: "redis://r", CustomDomain: "a.example.com", DisableTelemetry: true},
			[]string{KeyDBURL, KeyRedisURL, KeyEncryptionPassword, KeyEncryptionSalt, KeyCustomDomain, KeySupervisorUser, KeySupervisorPassword, KeyDisableTelemetry},
			func(t *testing.T, env *EnvFile) {
				if get(t, env, KeyDBURL) != "postgresql://u:p@db/x" || get(t, env, KeyRedisURL) != "redis://r" ||
					get(t, env, KeyCustomDomain) != "a.example.com" || get(t, env, KeyDisableTelemetry) != "true" {
					t.Error("options not applied")
				}
			}},
		{"external database in the file needs no MongoDB user", "APPSMITH_DB_URL=mongodb://u:p@db.example.net/x\n", EnvOptions{},
			[]string{KeyRedisURL, KeyEncryptionPassword, KeyEncryptionSalt, KeySupervisorUser, KeySupervisorPassword}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := mustParse(t, tt.in)
			before := env.Clone()
			added, err := complete(env, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(added, tt.added) {
				t.Errorf("added\n %q\nwant\n %q", added, tt.added)
			}
			// Existing lines are untouched: the old file is a prefix.
			if !strings.HasPrefix(string(env.Bytes()), string(before.Bytes())) {
				t.Error("Complete changed existing lines")
			}
			for _, k := range before.Keys() {
				a, _ := before.Lookup(k)
				b, _ := env.Lookup(k)
				if a.Raw != b.Raw {
					t.Errorf("%s changed", k)
				}
			}
			for _, k := range added {
				if before.Has(k) {
					t.Errorf("%s was present but reported added", k)
				}
				if IsSecret(k) && k != KeyDBURL && k != KeyRedisURL && k != KeyMongoDBPassword {
					if v := get(t, env, k); !secretForm.MatchString(v) {
						t.Errorf("%s is not a generated secret", k)
					}
				}
			}
			if tt.check != nil {
				tt.check(t, env)
			}
			// A second run has nothing to add.
			if again, err := complete(env, tt.opts); err != nil || len(again) != 0 {
				t.Errorf("second Complete added %q (%v)", again, err)
			}
		})
	}
}
