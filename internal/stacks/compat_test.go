package stacks

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheckValue(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{"", true}, {"plain", true}, {"with space and 'quotes' $x", true}, {"tab\tok", true}, {"雪", true},
		{"new\nline", false}, {"cr\r", false}, {"nul\x00", false}, {"del\x7f", false}, {"bad \xff utf8", false},
	}
	for _, tt := range tests {
		err := CheckValue("APPSMITH_X", tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("CheckValue(%q) = %v, want ok=%v", tt.value, err, tt.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "APPSMITH_X") || (len(tt.value) > 3 && strings.Contains(err.Error(), tt.value))) {
			t.Errorf("error %q must name the key and not the value", err)
		}
	}
}

func TestCheckStrict(t *testing.T) {
	tests := []struct {
		name, in string
		lines    []int // lines reported, in order
	}{
		{"clean", "# c\n\nAPPSMITH_A=1\nAPPSMITH_B='x y' # c\nMONGO_X=\"q\"\nHTTP_PROXY=http://p\nAPPSMITH_C=a\\ b\r\n", nil},
		{"export", "export APPSMITH_A=1\n", []int{1}},
		{"indented", "  APPSMITH_A=1\n", []int{1}},
		{"foreign name", "A=1\nPATH=/x\nAPPSMITH_OK=1\n", []int{1, 2}},
		{"other line", "APPSMITH_A=1\nset -e\n", []int{2}},
		{"expansion", "APPSMITH_A=$HOME\nAPPSMITH_B='$HOME'\nAPPSMITH_C=\"$(x)\"\n", []int{1, 3}},
		{"multi-line", "APPSMITH_A='x\ny'\nAPPSMITH_B=1\\\n2\nAPPSMITH_C=ok\n", []int{1, 3}},
		{"invalid utf-8", "APPSMITH_A='\xff'\n", []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustParse(t, tt.in).CheckStrict()
			var lines []int
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var pe *ParseError
					if !errors.As(e, &pe) {
						t.Fatalf("%v is not a *ParseError", e)
					}
					lines = append(lines, pe.Line)
				}
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("reported lines %v (%v), want %v", lines, err, tt.lines)
			}
		})
	}
}
