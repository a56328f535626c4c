package main

import (
	"fmt"

	"github.com/regshare/regshare/ldapauth"
)

// LDAPConfig is the LDAP directory whose passwords regshare takes
// (identity.ldap); its keys are ldapauth.Config's.
type LDAPConfig = ldapauth.Config

// validateLDAP checks identity.ldap's keys; its files are read when the
// app starts.
func (c *Config) validateLDAP() []error {
	l := c.Identity.LDAP
	if l == nil {
		return nil
	}
	var errs []error
	for _, err := range splitErrors(l.Validate()) {
		errs = append(errs, fmt.Errorf("identity.%w", err))
	}
	return errs
}

func (c *Config) ldapPaths() []*string {
	if l := c.Identity.LDAP; l != nil {
		return []*string{&l.CAFile, &l.BindPasswordFile}
	}
	return nil
}
