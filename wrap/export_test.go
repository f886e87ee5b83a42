package wrap

// SnapshotCustomKeyAlgorithms saves the custom-key table and returns the
// function that puts it back, so a test of package wrap_test that registers
// algorithms leaves the table as the other tests expect it.
func SnapshotCustomKeyAlgorithms() (restore func()) {
	saved := customKeys.Load()
	return func() {
		customKeysMu.Lock()
		defer customKeysMu.Unlock()
		customKeys.Store(saved)
	}
}
