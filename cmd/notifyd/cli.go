package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// The command line administration: notifyd service|key|template ...
// works on the database the server uses (-db or -postgres, with the same
// -secret-key), so a deployment can be set up without a seed file and
// without the admin API. Every command goes through the Notifier's admin
// methods, so the rules (and the messages) are the admin API's.

// commandsUsage is printed by -help and by a command used wrongly.
const commandsUsage = `
Commands (run on the server's database; each takes -db, -postgres and -secret-key or
-secret-key-file, the server's key: without one, the development key of the database):
  notifyd service create -name NAME [-live] [-message-limit N] [-rate-limit N]
                         [-permissions sms,email,...] [-email-from LOCAL] [-sms-sender S]
                         [-retention-days N] [-id UUID]
  notifyd service list
  notifyd service update -id ID [-name NAME] [-live|-trial] [-message-limit N] [-rate-limit N]
                         [-permissions ...] [-email-from LOCAL] [-sms-sender S] [-research-mode=BOOL]
  notifyd service archive -id ID
  notifyd key create -service ID -name NAME -type normal|team|test   (prints the key once)
  notifyd key list -service ID
  notifyd key revoke -service ID -id KEY_ID
  notifyd template create -service ID -type sms|email -name NAME (-content TEXT | -content-file F)
                          [-subject TEXT] [-process-type normal|priority]
  notifyd template update -service ID -id TEMPLATE_ID [-name NAME] [-content TEXT | -content-file F]
                          [-subject TEXT] [-archived]
  notifyd team add|remove -service ID -email ADDRESS [-mobile NUMBER]
  notifyd guest-list set -service ID [RECIPIENT...]
  notifyd sms-sender add -service ID -sender S [-default] [-id UUID]
  notifyd sms-sender list|set-default|archive -service ID [-id SENDER_ID]
  notifyd reply-to add -service ID -email ADDRESS [-default] [-id UUID]
  notifyd reply-to list|set-default|archive -service ID [-id REPLY_TO_ID]
  notifyd callback set -service ID -type delivery_status|complaint|inbound_sms -url URL
                       -bearer-token-file FILE   (the token is read from the file, never printed)
  notifyd callback list -service ID
  notifyd callback delete -service ID -type TYPE
  notifyd inbound-number assign -service ID -number NUMBER
  notifyd inbound-number list -service ID
  notifyd rotate-key [-old-key-file FILE] -new-key-file FILE   (re-seals the secrets; stop the servers first)
`

// commands maps each command to its subcommands.
var commands = map[string][]string{
	"service":    {"create", "list", "update", "archive"},
	"key":        {"create", "list", "revoke"},
	"template":   {"create", "update"},
	"team":       {"add", "remove"},
	"guest-list": {"set"},
	"sms-sender": {"add", "list", "set-default", "archive"},
	"reply-to":   {"add", "list", "set-default", "archive"},
	// callbacks.go
	"callback":       {"set", "list", "delete"},
	"inbound-number": {"assign", "list"},
}

// isCommand reports whether args start with a command rather than flags.
func isCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	_, ok := commands[args[0]]
	return ok
}

// cli is one command's context.
type cli struct {
	fs       *flag.FlagSet
	stdout   io.Writer
	stderr   io.Writer
	db       string
	postgres string
	secret   string
	// secretFile is -secret-key-file.
	secretFile string
	getenv     func(string) string
	// required are the flags parse refuses to go without.
	required []string
}

// runCLI runs a command; args start with the command's name.
func runCLI(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	subs := commands[args[0]]
	if len(args) < 2 || !slices.Contains(subs, args[1]) {
		fmt.Fprintf(stderr, "notifyd %s: want one of %s\n%s", args[0], strings.Join(subs, ", "), commandsUsage)
		return flag.ErrHelp
	}
	name := args[0] + " " + args[1]
	c := &cli{fs: flag.NewFlagSet("notifyd "+name, flag.ContinueOnError), stdout: stdout, stderr: stderr, getenv: getenv}
	c.fs.SetOutput(stderr)
	c.fs.StringVar(&c.db, "db", "notify.db", "SQLite database file")
	c.fs.StringVar(&c.postgres, "postgres", "", "PostgreSQL DSN (instead of SQLite)")
	c.fs.StringVar(&c.secret, "secret-key", "", "the server's -secret-key (default $NOTIFY_SECRET_KEY)")
	c.fs.StringVar(&c.secretFile, "secret-key-file", "", "the server's -secret-key-file")
	run := map[string]func(context.Context, []string) error{
		"service create":  c.serviceCreate,
		"service list":    c.serviceList,
		"service update":  c.serviceUpdate,
		"service archive": c.serviceArchive,
		"key create":      c.keyCreate,
		"key list":        c.keyList,
		"key revoke":      c.keyRevoke,
		"template create": c.templateCreate,
		"template update": c.templateUpdate,
		"team add":        c.teamAdd,
		"team remove":     c.teamRemove,
		"guest-list set":  c.guestListSet,
		// senders.go
		"sms-sender add":         c.smsSenderAdd,
		"sms-sender list":        c.smsSenderList,
		"sms-sender set-default": c.smsSenderSetDefault,
		"sms-sender archive":     c.smsSenderArchive,
		"reply-to add":           c.replyToAdd,
		"reply-to list":          c.replyToList,
		"reply-to set-default":   c.replyToSetDefault,
		"reply-to archive":       c.replyToArchive,
		// callbacks.go
		"callback set":          c.callbackSet,
		"callback list":         c.callbackList,
		"callback delete":       c.callbackDelete,
		"inbound-number assign": c.inboundNumberAssign,
		"inbound-number list":   c.inboundNumberList,
	}[name]
	return run(ctx, args[2:])
}

// parse parses the command's flags; positional arguments are refused
// unless allowArgs.
func (c *cli) parse(args []string, allowArgs bool) error {
	if err := c.fs.Parse(args); err != nil {
		return err
	}
	key, err := secretKeyFrom(c.secret, c.secretFile, c.getenv)
	if err != nil {
		return err
	}
	c.secret = key
	if !allowArgs && c.fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", c.fs.Args())
	}
	for _, name := range c.required {
		if !c.set(name) {
			return fmt.Errorf("-%s is required", name)
		}
	}
	return nil
}

// set reports whether the flag name was given.
func (c *cli) set(name string) bool {
	found := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// open opens the database and a Notifier on it that sends nothing.
func (c *cli) open(ctx context.Context) (*notify.Notifier, func(), error) {
	o := &options{db: c.db, postgres: c.postgres, secretKey: c.secret}
	fresh := false
	if o.postgres == "" && o.db != ":memory:" && !strings.HasPrefix(o.db, "file:") {
		_, statErr := os.Stat(o.db)
		fresh = errors.Is(statErr, fs.ErrNotExist)
	}
	store, err := openStore(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	if fresh {
		// A mistyped -db would otherwise go unnoticed: say so.
		fmt.Fprintf(c.stderr, "notifyd: %s did not exist: created a new, empty database there\n", o.db)
	}
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	key, err := secretKey(ctx, o, store, log)
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	n, err := notify.New(notify.Config{Store: store, Queue: sweepOnlyQueue{}, SecretKey: key,
		Logger: log, ReadCacheTTL: -1})
	if err == nil {
		err = n.CheckSecretKey(ctx)
	}
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	return n, func() { _ = store.Close() }, nil
}

// with opens the Notifier, runs fn and closes it, wrapping refusals so
// that they read well on a terminal.
func (c *cli) with(ctx context.Context, fn func(n *notify.Notifier) error) error {
	n, closeFn, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	return describe(fn(n))
}

// describe turns refusals into one line per field.
func describe(err error) error {
	list := notify.ErrorList(err)
	if len(list) == 0 {
		return err
	}
	msgs := make([]string, len(list))
	for i, e := range list {
		if e.Field != "" {
			msgs[i] = e.Field + ": " + e.Message
		} else {
			msgs[i] = e.Message
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

// uuidFlag is a flag holding a UUID, checked as it is parsed.
type uuidFlag struct {
	id  uuid.UUID
	set bool
}

// Set parses s.
func (f *uuidFlag) Set(s string) error {
	id, ok := notify.ParseUUID(s)
	if !ok {
		return fmt.Errorf("%q is not a UUID", s)
	}
	f.id, f.set = id, true
	return nil
}

// String returns the UUID, or "" when unset.
func (f *uuidFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return f.id.String()
}

// idFlag registers a -name flag holding a UUID; a required one missing is
// refused by parse.
func (c *cli) idFlag(name, usage string, required bool) *uuidFlag {
	f := &uuidFlag{}
	c.fs.Var(f, name, usage)
	if required {
		c.required = append(c.required, name)
	}
	return f
}

// report prints the outcome of a change, or returns its error.
func (c *cli) report(err error, format string, a ...any) error {
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, format, a...)
	return nil
}

// serviceFlags registers the flags a service has and returns a function
// that builds the update from the flags given.
func (c *cli) serviceFlags() func() (notify.ServiceUpdate, error) {
	name := c.fs.String("name", "", "service name")
	live := c.fs.Bool("live", false, "live: live keys send to anyone (default: trial mode)")
	trial := c.fs.Bool("trial", false, "trial mode: keys send only to the team and guest list")
	limit := c.fs.Int("message-limit", 0, "notifications a day (trial services; 0: 50)")
	rate := c.fs.Int("rate-limit", 0, "requests per 60 seconds per key type (0: 3000)")
	perms := c.fs.String("permissions", "", "comma-separated: sms, email, international_sms, sms_to_uk_landlines")
	from := c.fs.String("email-from", "", "local part of the From address")
	sender := c.fs.String("sms-sender", "", "SMS sender (up to 11 characters, or a number)")
	research := c.fs.Bool("research-mode", false, "treat every notification as a test-key one")
	retention := c.fs.Int("retention-days", 0, "days notifications are kept (0: 7)")
	contact := c.fs.String("contact-link", "", "where recipients of files sent by email can contact the service: an https URL, an email address or a phone number (\"\" removes it; without one the service cannot send files)")
	return func() (notify.ServiceUpdate, error) {
		var u notify.ServiceUpdate
		if c.set("live") && c.set("trial") {
			return u, errors.New("-live and -trial exclude each other")
		}
		setIf(c, "name", &u.Name, name)
		if c.set("live") {
			r := !*live
			u.Restricted = &r
		}
		setIf(c, "trial", &u.Restricted, trial)
		setIf(c, "message-limit", &u.MessageLimit, limit)
		setIf(c, "rate-limit", &u.RateLimit, rate)
		if c.set("permissions") {
			list := []notify.Permission{}
			for _, p := range strings.Split(*perms, ",") {
				if p = strings.TrimSpace(p); p != "" {
					list = append(list, notify.Permission(p))
				}
			}
			u.Permissions = &list
		}
		setIf(c, "email-from", &u.EmailFrom, from)
		setIf(c, "sms-sender", &u.SMSSender, sender)
		setIf(c, "research-mode", &u.ResearchMode, research)
		setIf(c, "retention-days", &u.DataRetentionDays, retention)
		setIf(c, "contact-link", &u.ContactLink, contact)
		return u, nil
	}
}

// setIf points *dst at v when the flag name was given.
func setIf[T any](c *cli, name string, dst **T, v *T) {
	if c.set(name) {
		*dst = v
	}
}

func (c *cli) serviceCreate(ctx context.Context, args []string) error {
	build := c.serviceFlags()
	id := c.idFlag("id", "the service's id (default: a new one)", false)
	if err := c.parse(args, false); err != nil {
		return err
	}
	u, err := build()
	if err != nil {
		return err
	}
	svc := notify.Service{ID: id.id, Restricted: true}
	u.Apply(&svc)
	return c.with(ctx, func(n *notify.Notifier) error {
		created, err := n.CreateService(ctx, svc)
		if err != nil {
			return err
		}
		// The database is set up by hand: the server creates no demo.
		_, err = n.Store().LoadOrStoreSetting(ctx, setupSetting, "seed")
		return c.report(err, "Created service %q %s (%s).\n", created.Name, created.ID, mode(created))
	})
}

func mode(s *notify.Service) string {
	switch {
	case s.Archived:
		return "archived"
	case s.Restricted:
		return "trial mode"
	}
	return "live"
}

func (c *cli) serviceList(ctx context.Context, args []string) error {
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		list, err := n.ListServices(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tMODE\tLIMIT\tPERMISSIONS\tCREATED")
		for _, s := range list {
			perms := make([]string, len(s.Permissions))
			for i, p := range s.Permissions {
				perms[i] = string(p)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Name, mode(&s), s.MessageLimit,
				strings.Join(perms, ","), s.CreatedAt.Format(time.RFC3339))
		}
		return w.Flush()
	})
}

func (c *cli) serviceUpdate(ctx context.Context, args []string) error {
	build := c.serviceFlags()
	id := c.idFlag("id", "the service's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	u, err := build()
	if err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		svc, err := n.UpdateService(ctx, id.id, u)
		if err != nil {
			return err
		}
		return c.report(nil, "Updated service %q %s (%s).\n", svc.Name, svc.ID, mode(svc))
	})
}

func (c *cli) serviceArchive(ctx context.Context, args []string) error {
	id := c.idFlag("id", "the service's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		return c.report(n.ArchiveService(ctx, id.id),
			"Archived service %s: its keys are revoked and its templates archived.\n", id)
	})
}

func (c *cli) keyCreate(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	name := c.fs.String("name", "", "key name")
	typ := c.fs.String("type", "", "normal (live), team or test")
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		k, err := n.IssueAPIKey(ctx, service.id, *name, notify.KeyType(*typ))
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, notify.FormatKey(notify.SafeKeyName(k.Name), service.id, k.Secret))
		fmt.Fprintf(c.stderr, "Created %s key %q (%s). The key is shown only now: keep it.\n", k.KeyType, k.Name, k.ID)
		return nil
	})
}

func (c *cli) keyList(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		keys, err := n.ListAPIKeys(ctx, service.id)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tTYPE\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if k.ExpiryDate != nil {
				revoked = k.ExpiryDate.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.KeyType, k.CreatedAt.Format(time.RFC3339), revoked)
		}
		return w.Flush()
	})
}

func (c *cli) keyRevoke(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	key := c.idFlag("id", "the key's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		return c.report(n.RevokeServiceAPIKey(ctx, service.id, key.id), "Revoked key %s.\n", key)
	})
}

// templateFlags registers the flags a template has.
type templateFlags struct {
	name, content, contentFile, subject, processType *string
}

func (c *cli) templateFlags() templateFlags {
	return templateFlags{
		name:        c.fs.String("name", "", "template name"),
		content:     c.fs.String("content", "", "template content, with ((placeholders))"),
		contentFile: c.fs.String("content-file", "", "read the content from this file"),
		subject:     c.fs.String("subject", "", "email subject"),
		processType: c.fs.String("process-type", "", "normal or priority"),
	}
}

// contentValue returns the content given by -content or -content-file.
func (c *cli) contentValue(f templateFlags) (*string, error) {
	switch {
	case c.set("content") && c.set("content-file"):
		return nil, errors.New("-content and -content-file exclude each other")
	case c.set("content-file"):
		b, err := os.ReadFile(*f.contentFile)
		if err != nil {
			return nil, err
		}
		s := string(b)
		return &s, nil
	case c.set("content"):
		return f.content, nil
	}
	return nil, nil
}

func (c *cli) templateCreate(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	typ := c.fs.String("type", "", "sms or email")
	f := c.templateFlags()
	if err := c.parse(args, false); err != nil {
		return err
	}
	content, err := c.contentValue(f)
	if err != nil {
		return err
	}
	t := notify.Template{ServiceID: service.id, Type: notify.NotificationType(*typ), Name: *f.name, Subject: *f.subject,
		ProcessType: notify.ProcessType(*f.processType), CreatedBy: "notifyd"}
	if content != nil {
		t.Content = *content
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		created, err := n.AddTemplate(ctx, t)
		if err != nil {
			return err
		}
		return c.report(nil, "Created %s template %q %s (version %d).\n", created.Type, created.Name, created.ID, created.Version)
	})
}

func (c *cli) templateUpdate(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	id := c.idFlag("id", "the template's id", true)
	archived := c.fs.Bool("archived", false, "archive the template")
	f := c.templateFlags()
	if err := c.parse(args, false); err != nil {
		return err
	}
	var u notify.TemplateUpdate
	var err error
	if u.Content, err = c.contentValue(f); err != nil {
		return err
	}
	setIf(c, "name", &u.Name, f.name)
	setIf(c, "subject", &u.Subject, f.subject)
	if c.set("process-type") {
		pt := notify.ProcessType(*f.processType)
		u.ProcessType = &pt
	}
	setIf(c, "archived", &u.Archived, archived)
	return c.with(ctx, func(n *notify.Notifier) error {
		t, err := n.EditTemplate(ctx, service.id, id.id, u)
		if err != nil {
			return err
		}
		state := ""
		if t.Archived {
			state = ", archived"
		}
		return c.report(nil, "Template %q %s is at version %d%s.\n", t.Name, t.ID, t.Version, state)
	})
}

// teamCommand reads -service, -email and -mobile, and runs do with the
// member; verb and prep say what happened in the report.
func (c *cli) teamCommand(ctx context.Context, args []string, verb, prep string,
	do func(n *notify.Notifier, m notify.TeamMember) error) error {
	service := c.idFlag("service", "the service's id", true)
	email := c.fs.String("email", "", "the member's email address")
	mobile := c.fs.String("mobile", "", "the member's mobile number")
	if err := c.parse(args, false); err != nil {
		return err
	}
	m := notify.TeamMember{ServiceID: service.id, EmailAddress: *email, MobileNumber: *mobile}
	return c.with(ctx, func(n *notify.Notifier) error {
		return c.report(do(n, m), "%s %s %s the team of %s.\n", verb, m.EmailAddress, prep, m.ServiceID)
	})
}

func (c *cli) teamAdd(ctx context.Context, args []string) error {
	return c.teamCommand(ctx, args, "Added", "to", func(n *notify.Notifier, m notify.TeamMember) error {
		return n.AddServiceTeamMember(ctx, m)
	})
}

func (c *cli) teamRemove(ctx context.Context, args []string) error {
	return c.teamCommand(ctx, args, "Removed", "from", func(n *notify.Notifier, m notify.TeamMember) error {
		return n.RemoveTeamMember(ctx, m)
	})
}

func (c *cli) guestListSet(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	if err := c.parse(args, true); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		return c.report(n.ReplaceGuestList(ctx, service.id, c.fs.Args()),
			"The guest list of %s has %d recipients.\n", service, c.fs.NArg())
	})
}

// adminOptions are the server's flags for administration: the admin API's
// secret and the retention of notifications.
type adminOptions struct {
	// secret mounts the admin API (-admin-secret or NOTIFY_ADMIN_SECRET).
	secret string
	// retentionOff stops worker processes from archiving old
	// notifications (-retention=false).
	retentionOff bool
	// retentionEvery is how often they archive (0: hourly).
	retentionEvery time.Duration
}

func (a *adminOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&a.secret, "admin-secret", "", "mount the admin API (/service routes) for JWTs with iss notify-admin signed with this secret (default $NOTIFY_ADMIN_SECRET)")
	fs.BoolFunc("retention", "archive notifications past their service's retention (default true; -retention=false turns it off)", func(s string) error {
		on, err := strconv.ParseBool(s)
		a.retentionOff = !on
		return err
	})
	fs.DurationVar(&a.retentionEvery, "retention-interval", 0, "how often worker processes archive old notifications (default 1h)")
}

func (a *adminOptions) resolve(getenv func(string) string) error {
	if a.secret == "" {
		a.secret = getenv("NOTIFY_ADMIN_SECRET")
	}
	if a.retentionEvery < 0 {
		return errors.New("-retention-interval must not be negative")
	}
	return nil
}
