package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestLDAPReadmeExamples: every identity example of the README's LDAP
// section is a configuration regshare takes.
func TestLDAPReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n### LDAP\n")
	section, _, _ = strings.Cut(section, "\n### ")
	blocks := regexp.MustCompile("(?s)```yaml\n(identity:.*?)```").FindAllStringSubmatch(section, -1)
	if len(blocks) < 2 {
		t.Fatalf("the LDAP section has %d identity examples, want OpenLDAP's and Active Directory's", len(blocks))
	}
	for _, b := range blocks {
		if _, err := loadConfig(cliWriteConfig(t, t.TempDir(), ldapConfigHead+b[1])); err != nil {
			t.Errorf("README example refused: %v\n%s", err, b[1])
		}
	}
}
