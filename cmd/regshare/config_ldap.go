package main

// LDAPConfig is the LDAP directory whose passwords regshare takes.
type LDAPConfig struct{}

func (c *Config) validateLDAP() []error { return nil }

func (c *Config) ldapPaths() []*string { return nil }
