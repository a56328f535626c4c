package bolt

// OpenBatched is Open with batch records per migration transaction, so that
// a test crosses transactions with a few records.
func OpenBatched(path string, batch int) (*Store, error) { return open(path, batch) }
