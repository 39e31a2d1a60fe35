package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/notifykit/notify"
)

// The sms-sender and reply-to commands: a service's SMS senders and email
// reply-to addresses, with the admin API's rules and messages.

func (c *cli) smsSenderAdd(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	id := c.idFlag("id", "the sender's id (default: a new one)", false)
	sender := c.fs.String("sender", "", "up to 11 letters, numbers and spaces, or a phone number")
	isDefault := c.fs.Bool("default", false, "make it the default (a service's first sender always is)")
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		s, err := n.AddSMSSender(ctx, notify.SMSSender{ID: id.id, ServiceID: service.id, SMSSender: *sender, IsDefault: *isDefault})
		if err != nil {
			return err
		}
		return c.report(nil, "Added SMS sender %q %s%s.\n", s.SMSSender, s.ID, defaultNote(s.IsDefault))
	})
}

func (c *cli) smsSenderList(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		list, err := n.ListSMSSenders(ctx, service.id)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSENDER\tDEFAULT")
		for _, s := range list {
			fmt.Fprintf(w, "%s\t%q\t%t\n", s.ID, s.SMSSender, s.IsDefault)
		}
		return w.Flush()
	})
}

func (c *cli) smsSenderSetDefault(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	id := c.idFlag("id", "the sender's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		s, err := n.SetDefaultSMSSender(ctx, service.id, id.id)
		if err != nil {
			return err
		}
		return c.report(nil, "SMS sender %q %s is the default.\n", s.SMSSender, s.ID)
	})
}

func (c *cli) smsSenderArchive(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	id := c.idFlag("id", "the sender's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		_, err := n.ArchiveSMSSender(ctx, service.id, id.id)
		return c.report(err, "Archived SMS sender %s.\n", id)
	})
}

func (c *cli) replyToAdd(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	id := c.idFlag("id", "the address's id (default: a new one)", false)
	email := c.fs.String("email", "", "the reply-to email address")
	isDefault := c.fs.Bool("default", false, "make it the default (a service's first address always is)")
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		r, err := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ID: id.id, ServiceID: service.id, EmailAddress: *email, IsDefault: *isDefault})
		if err != nil {
			return err
		}
		return c.report(nil, "Added reply-to address %s %s%s.\n", r.EmailAddress, r.ID, defaultNote(r.IsDefault))
	})
}

func (c *cli) replyToList(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		list, err := n.ListEmailReplyTo(ctx, service.id)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tEMAIL ADDRESS\tDEFAULT")
		for _, r := range list {
			fmt.Fprintf(w, "%s\t%s\t%t\n", r.ID, r.EmailAddress, r.IsDefault)
		}
		return w.Flush()
	})
}

func (c *cli) replyToSetDefault(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	id := c.idFlag("id", "the address's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		r, err := n.SetDefaultEmailReplyTo(ctx, service.id, id.id)
		if err != nil {
			return err
		}
		return c.report(nil, "Reply-to address %s %s is the default.\n", r.EmailAddress, r.ID)
	})
}

func (c *cli) replyToArchive(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	id := c.idFlag("id", "the address's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		_, err := n.ArchiveEmailReplyTo(ctx, service.id, id.id)
		return c.report(err, "Archived reply-to address %s.\n", id)
	})
}

func defaultNote(isDefault bool) string {
	if isDefault {
		return " (the default)"
	}
	return ""
}
