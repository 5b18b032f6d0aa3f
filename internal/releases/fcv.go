package releases

import (
	"strconv"
	"strings"
)

// previousFCV is the release before each MongoDB major: mongod opens data
// at its own featureCompatibilityVersion or that one, and sets only those
// two (MongoDB's upgrade rule: one major at a time).
var previousFCV = map[string]string{"4.4": "4.2", "5.0": "4.4", "6.0": "5.0", "7.0": "6.0", "8.0": "7.0"}

// OldestFCV is the oldest featureCompatibilityVersion a mongod of major
// mongo ("6.0") opens ("5.0").
func OldestFCV(mongo string) string {
	if p, ok := previousFCV[mongo]; ok {
		return p
	}
	return mongo
}

// MongoMajor is the major of a full MongoDB version ("5.0.14" → "5.0"),
// "" for anything else.
func MongoMajor(full string) string {
	parts := strings.Split(strings.Trim(strings.TrimSpace(full), `"'`), ".")
	if len(parts) < 2 || fcvNum(parts[0]+"."+parts[1]) < 0 {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// CompareFCV orders featureCompatibilityVersions ("4.4" < "5.0" < "10.0");
// a malformed one sorts first.
func CompareFCV(a, b string) int {
	x, y := fcvNum(a), fcvNum(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func fcvNum(s string) int {
	maj, min, ok := strings.Cut(s, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 {
		return -1
	}
	return a*1000 + b
}
