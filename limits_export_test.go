package notify

import "context"

// CheckDailyLimit runs the check of one per-channel daily limit for a send
// of sends notifications by c (upstream's
// check_service_over_daily_message_limit), for the tests of package
// notify_test.
func CheckDailyLimit(ctx context.Context, n *Notifier, c *Caller, name DailyLimitName, sends int) error {
	if !n.countsDaily(c) {
		return nil
	}
	return n.checkDailyCounters(ctx, c, []dailyCounter{channelCounter(c.Service, name, n.now())}, sends)
}
