package main

import (
	"errors"
	"flag"
	"net/url"
	"strings"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/fsdocs"
)

// documentOptions are the flags of files sent by email.
type documentOptions struct {
	// url is the scheme, host and any path prefix of the download links.
	url string
	// dir keeps the files of a SQLite deployment.
	dir string
}

func (d *documentOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&d.url, "document-url", "", "where recipients reach this server, for the download links of files sent by email (default http:// and the address the server listens on)")
	fs.StringVar(&d.dir, "documents-dir", "", "SQLite: directory keeping the files sent by email, encrypted (default {-db}.documents, next to the database); with -postgres they are kept in the database")
}

// check validates -document-url.
func (d *documentOptions) check() error {
	if d.url == "" {
		return nil
	}
	u, err := url.Parse(d.url)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("-document-url must be an absolute http or https URL without a query, such as https://notify.example.gov.uk")
	}
	return nil
}

// configure sets where files sent by email are kept and linked from: a
// directory next to the SQLite file, or the PostgreSQL database itself
// (the Store is a DocumentStore), and the links' base URL: -document-url,
// else the address the server listens on (listening, the port -addr
// chose when it asked for port 0).
func (d *documentOptions) configure(cfg *notify.Config, o *options, listening string) error {
	cfg.DocumentBaseURL = d.url
	if cfg.DocumentBaseURL == "" {
		cfg.DocumentBaseURL = "http://" + listening
	}
	if o.postgres != "" {
		return nil
	}
	dir := d.dir
	if dir == "" {
		if o.db == "" || o.db == ":memory:" || strings.HasPrefix(o.db, "file:") {
			return nil // no file to sit next to: the database keeps them
		}
		dir = o.db + ".documents"
	}
	ds, err := fsdocs.New(dir)
	if err != nil {
		return err
	}
	cfg.Documents = ds
	return nil
}
