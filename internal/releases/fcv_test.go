package releases

import "testing"

func TestFCVArithmetic(t *testing.T) {
	for mongo, want := range map[string]string{"4.4": "4.2", "5.0": "4.4", "6.0": "5.0", "7.0": "6.0", "8.0": "7.0"} {
		if got := OldestFCV(mongo); got != want {
			t.Errorf("OldestFCV(%s) = %s, want %s", mongo, got, want)
		}
	}
	for in, want := range map[string]string{"5.0.14": "5.0", `"6.0.13"`: "6.0", "'7.0'": "7.0", "?": "", "": "", "x.y.z": ""} {
		if got := MongoMajor(in); got != want {
			t.Errorf("MongoMajor(%q) = %q, want %q", in, got, want)
		}
	}
	if CompareFCV("4.4", "5.0") >= 0 || CompareFCV("10.0", "9.0") <= 0 || CompareFCV("6.0", "6.0") != 0 || CompareFCV("", "4.2") >= 0 {
		t.Error("CompareFCV orders by numbers, malformed first")
	}
}
