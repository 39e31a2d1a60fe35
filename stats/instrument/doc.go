// Package instrument wraps the adapters of a Notifier so that every call is
// counted and timed on a notify.Stats, the way upstream GOV.UK Notify's
// statsd decorators wrapped every DAO and task function. The adapters
// themselves, and the notify package, stay free of metrics code.
//
// [Config] does it all for a notify.Config before notify.New: it prefixes
// the Stats and wraps the Store, the Queue, the providers and the sandbox.
//
//	n, err := notify.New(instrument.Config(cfg, instrument.DefaultPrefix))
//
// Store (see [Store]) emits, for every call, a counter and a timing under
// the same name, dao.{method}, where method is the Store method in
// snake_case:
//
//	dao.ping
//	dao.create_service
//	dao.get_service
//	dao.update_service
//	dao.add_team_member
//	dao.list_team_members
//	dao.add_guest_list_entry
//	dao.list_guest_list
//	dao.create_api_key
//	dao.list_api_keys
//	dao.revoke_api_key
//	dao.create_template
//	dao.update_template
//	dao.get_template
//	dao.get_template_version
//	dao.list_templates
//	dao.create_notification
//	dao.get_notification
//	dao.list_notifications
//	dao.count_notifications
//	dao.claim_notification
//	dao.release_notification
//	dao.transition_notification
//	dao.find_notification_by_provider_reference
//	dao.list_sweepable
//	dao.list_in_progress
//	dao.create_inbound_sms
//	dao.list_inbound_sms
//	dao.load_or_store_setting
//
// and, for the optional abilities the Notifier finds through Unwrap,
// dao.create_notifications (a group commit; each of its notifications is
// also counted under dao.create_notification) and
// dao.count_notifications_by_channel (the per-channel daily count). The
// other optional abilities (bulk jobs, idempotency keys, SMS senders and
// reply-to addresses, service callbacks, complaints, documents, inbound
// numbers, data retention, archiving, listing services, replacing guest
// lists, removing team members, counting by status) are counted and timed
// method by method under dao.{method} as well, for example
// dao.list_sms_senders or dao.archive_notifications.
//
// Calls are counted whether they succeed or fail: a lookup that finds
// nothing is an ordinary outcome, not a store failure.
//
// Queue (see [Queue]) emits:
//
//	queue.enqueue.{queue}        counter + timing of every Enqueue
//	queue.enqueue.{queue}.error  counter, when Enqueue fails
//	tasks.{task name}            counter + timing of every handled task
//	tasks.{task name}.error      counter, when the handler returns an error
//
// Provider (see [Provider]) emits, for every Send:
//
//	clients.{provider}.request-time  timing
//	clients.{provider}.success       counter, when Send succeeds
//	clients.{provider}.error         counter, when Send fails
//
// The Notifier itself emits:
//
//	sms.total-time, email.total-time            timing, created → handed to the provider
//	{sms|email}.test-key.total-time             the same, simulate keys
//	{sms|email}.live-key.total-time             the same, live and team keys
//	callback.{provider}.{status}                counter, each applied receipt (the
//	                                            sandbox's fake receipts as callback.sandbox.*)
//	callback.{provider}.{status}.elapsed-time   timing, sent_at → receipt
//
// The HTTP API (package httpapi) emits, per request, a counter and a timing
// named {METHOD}.{module}.{handler}.{status_code}, for example
// POST.v2_notifications.post_sms_notification.201:
//
//	module            handler                          route
//	v2_notifications  post_sms_notification            POST /v2/notifications/sms
//	v2_notifications  post_email_notification          POST /v2/notifications/email
//	v2_notifications  post_letter_notification         POST /v2/notifications/letter (refused)
//	v2_notifications  get_notification_by_id           GET /v2/notifications/{id}
//	v2_notifications  get_notifications                GET /v2/notifications
//	v2_template       get_template_by_id               GET /v2/template/{id}
//	v2_template       get_template_by_id_and_version   GET /v2/template/{id}/version/{n}
//	v2_template       post_template_preview            POST /v2/template/{id}/preview
//	v2_templates      get_templates                    GET /v2/templates
//	v2_inbound_sms    get_inbound_sms                  GET /v2/received-text-messages
//	v1_notifications  send_notification                POST /notifications/{type}
//	v1_notifications  get_notification_by_id           GET /notifications/{id}
//	v1_notifications  get_all_notifications            GET /notifications
//	status            show_status                      GET /_status
//	app               not_found, method_not_allowed    anything else
//
// Through Config every name carries its prefix argument, upstream's
// "notifications.api." ([DefaultPrefix]) in cmd/notifyd. [Prefix] alone puts
// a prefix before every name; [Store], [Queue] and [Provider] wrap one
// adapter, for wiring by hand.
//
// Optional abilities of the wrapped value are kept where they matter: a
// wrapped Provider implements notify.ReceiptSimulator exactly when the
// inner one does, every wrapper has Close() error when the inner value has
// it, and a prefixed Stats implements notify.Gauger when the inner one
// does. Every wrapper also has Unwrap, which returns the wrapped value (for
// abilities the wrapper does not pass on, such as a store's archiving).
package instrument
