package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/notifykit/notify"
)

// The callback and inbound-number commands: a service's callbacks (where
// delivery statuses, complaints and received text messages are POSTed)
// and the numbers that receive its text messages, with the admin API's
// rules and messages. A callback's bearer token is a secret: it is read
// from a file (-bearer-token-file), never taken on the command line where
// other users and shell histories see it, and never printed.

// callbackTypeFlag reads -type: one of notify.CallbackTypes.
func (c *cli) callbackTypeFlag() *string {
	names := make([]string, len(notify.CallbackTypes))
	for i, t := range notify.CallbackTypes {
		names[i] = string(t)
	}
	c.required = append(c.required, "type")
	return c.fs.String("type", "", strings.Join(names, ", "))
}

// callbackType checks the -type given.
func callbackType(s string) (notify.CallbackType, error) {
	t := notify.CallbackType(s)
	if !t.Valid() {
		names := make([]string, len(notify.CallbackTypes))
		for i, t := range notify.CallbackTypes {
			names[i] = string(t)
		}
		return "", fmt.Errorf("-type %q: want one of %s", s, strings.Join(names, ", "))
	}
	return t, nil
}

// readBearerToken reads a callback's bearer token from path: the file
// without its trailing white space, warning when other users can read it.
func (c *cli) readBearerToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("-bearer-token-file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(c.stderr, "warning: %s can be read by other users: chmod 600 it\n", path)
	}
	token := bytes.TrimRight(b, " \t\r\n")
	if len(token) == 0 {
		return "", fmt.Errorf("-bearer-token-file: %s is empty", path)
	}
	if bytes.ContainsAny(token, "\r\n") {
		return "", fmt.Errorf("-bearer-token-file: %s holds more than one line", path)
	}
	return string(token), nil
}

func (c *cli) callbackSet(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	typ := c.callbackTypeFlag()
	url := c.fs.String("url", "", "the https URL the callbacks are POSTed to")
	tokenFile := c.fs.String("bearer-token-file", "", "file holding the bearer token sent with them (at least 10 characters)")
	c.required = append(c.required, "url", "bearer-token-file")
	if err := c.parse(args, false); err != nil {
		return err
	}
	t, err := callbackType(*typ)
	if err != nil {
		return err
	}
	token, err := c.readBearerToken(*tokenFile)
	if err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		cb, err := n.SetCallback(ctx, service.id, t, notify.CallbackChange{URL: *url, BearerToken: token})
		if errors.Is(err, notify.ErrNoResult) {
			return fmt.Errorf("no service %s", service)
		}
		if err != nil {
			return err
		}
		return c.report(nil, "The %s callback of %s is %s (%s).\n", cb.Type, cb.ServiceID, cb.URL, cb.ID)
	})
}

func (c *cli) callbackList(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		if err := serviceExists(ctx, n, service); err != nil {
			return err
		}
		list, err := n.Callbacks(ctx, service.id)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tTYPE\tURL\tUPDATED")
		for _, cb := range list {
			when := cb.CreatedAt
			if cb.UpdatedAt != nil {
				when = *cb.UpdatedAt
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", cb.ID, cb.Type, cb.URL, when.Format(time.RFC3339))
		}
		return w.Flush()
	})
}

func (c *cli) callbackDelete(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	typ := c.callbackTypeFlag()
	if err := c.parse(args, false); err != nil {
		return err
	}
	t, err := callbackType(*typ)
	if err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		err := n.DeleteCallback(ctx, service.id, t)
		if errors.Is(err, notify.ErrNoResult) {
			return fmt.Errorf("service %s has no %s callback", service, t)
		}
		return c.report(err, "Deleted the %s callback of %s.\n", t, service)
	})
}

// serviceExists refuses an unknown service by its id.
func serviceExists(ctx context.Context, n *notify.Notifier, id *uuidFlag) error {
	_, err := n.GetService(ctx, id.id)
	if errors.Is(err, notify.ErrNoResult) {
		return fmt.Errorf("no service %s", id)
	}
	return err
}

func (c *cli) inboundNumberAssign(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	number := c.fs.String("number", "", "the phone number or short code that receives the service's text messages")
	c.required = append(c.required, "number")
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		in, err := n.AssignInboundNumber(ctx, service.id, *number)
		if errors.Is(err, notify.ErrNoResult) {
			return fmt.Errorf("no service %s", service)
		}
		if err != nil {
			return err
		}
		return c.report(nil, "Inbound number %s (%s) receives the text messages of %s.\n", in.Number, in.ID, in.ServiceID)
	})
}

func (c *cli) inboundNumberList(ctx context.Context, args []string) error {
	service := c.idFlag("service", "the service's id", true)
	if err := c.parse(args, false); err != nil {
		return err
	}
	return c.with(ctx, func(n *notify.Notifier) error {
		if err := serviceExists(ctx, n, service); err != nil {
			return err
		}
		list, err := n.InboundNumbers(ctx, service.id)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNUMBER\tASSIGNED")
		for _, in := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\n", in.ID, in.Number, in.CreatedAt.Format(time.RFC3339))
		}
		return w.Flush()
	})
}
