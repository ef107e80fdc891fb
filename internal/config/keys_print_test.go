package config

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table must list every variable.
func TestReadmeListsEveryVariable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(raw), "`"+k[1]+"`") {
			t.Errorf("README.md does not list %s", k[1])
		}
	}
}
