package notify

// PendingCommits reports how many sends of n wait for a group commit to
// take them, for the tests of package notify_test.
func PendingCommits(n *Notifier) int {
	if n.commit == nil {
		return 0
	}
	return n.commit.pendingRows()
}
