package grants_test

import (
	"testing"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/grantstest"
)

func newMemoryStore(*testing.T) grants.Store { return grants.NewMemoryStore() }

func TestMemoryStore(t *testing.T) {
	grantstest.RunTests(t, newMemoryStore)
}

func TestMemoryStoreRecords(t *testing.T) {
	grantstest.RunRecordTests(t, newMemoryStore)
}

func TestMemoryStoreConcurrency(t *testing.T) {
	grantstest.RunConcurrencyTests(t, newMemoryStore)
	grantstest.RunRetryTests(t, newMemoryStore)
}
