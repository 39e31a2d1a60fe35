package httpapi

import (
	"bytes"
	"errors"
	"html/template"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/notifykit/notify"
)

// The download pages of files sent by email: the links the Notifier puts
// in emails, GET /d/{service_id}/{document_id}?key=..., are served here.
//
//   - A document sent without confirm_email_before_download is served at
//     once, as an attachment.
//   - One sent with it (the default) first gets an HTML page asking for the
//     recipient's email address; the form posts back to the same link, and
//     the file is served when the address matches (compared in constant
//     time, case ignored), the page again with a message when it does not.
//   - A document's page that was sent too many wrong addresses answers 429
//     with a page saying when to try again (downloadlimit.go).
//   - An unknown document, a wrong or missing key and an expired document
//     all answer the same 404 page: the answer never says which. (An
//     expired document is deleted when it is asked for, and by the
//     workers' retention pass.)
//
// The file is served with the stored type, "Content-Disposition:
// attachment" with the filename made safe, "X-Content-Type-Options:
// nosniff" and a sandboxing Content-Security-Policy; nothing is cached.

// maxDownloadForm bounds the confirmation form's body.
const maxDownloadForm = 4 << 10

func (h *Handler) downloadRoutes() {
	h.confirms = newConfirmLimiter(MaxConfirmAttempts, ConfirmAttemptWindow, confirmLimiterSize, time.Now)
	h.handle("GET /d/{service_id}/{document_id}", "download", "download_document", false, h.download)
	h.handle("POST /d/{service_id}/{document_id}", "download", "confirm_email_and_download", false, h.download)
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
	svcID, ok1 := notify.ParseDocumentID(r.PathValue("service_id"))
	docID, ok2 := notify.ParseDocumentID(r.PathValue("document_id"))
	key := r.URL.Query().Get("key")
	if !ok1 || !ok2 || key == "" {
		writeDownloadPage(w, http.StatusNotFound, pageData{NotFound: true})
		return
	}
	doc, err := h.n.Download(r.Context(), svcID, docID, key)
	if errors.Is(err, notify.ErrDocumentNotFound) {
		writeDownloadPage(w, http.StatusNotFound, pageData{NotFound: true})
		return
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !doc.ConfirmEmail {
		serveDocument(w, doc)
		return
	}
	page := pageData{Action: r.URL.Path + "?key=" + url.QueryEscape(key)}
	if svc, err := h.n.Store().GetService(r.Context(), svcID); err == nil {
		page.Service, page.Contact = svc.Name, contactOf(svc.ContactLink)
	}
	limitKey := docKey{svcID, docID}
	if blocked, left := h.confirms.blocked(limitKey); blocked {
		page.TooMany, page.RetryMinutes = true, int(math.Ceil(left.Minutes()))
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(left.Seconds()))))
		writeDownloadPage(w, http.StatusTooManyRequests, page)
		return
	}
	if r.Method != http.MethodPost {
		writeDownloadPage(w, http.StatusOK, page)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxDownloadForm)
	if err := r.ParseForm(); err != nil {
		h.confirms.fail(limitKey)
		page.Problem = "Enter the email address this file was sent to"
		writeDownloadPage(w, http.StatusBadRequest, page)
		return
	}
	addr := r.PostForm.Get("email_address")
	if strings.TrimSpace(addr) == "" {
		h.confirms.fail(limitKey)
		page.Problem = "Enter your email address"
		writeDownloadPage(w, http.StatusBadRequest, page)
		return
	}
	if !doc.ConfirmsEmail(addr) {
		h.confirms.fail(limitKey)
		page.Problem = "This is not the email address the file was sent to. To confirm the file was meant for you, enter the email address the notification was sent to."
		page.Email = addr
		writeDownloadPage(w, http.StatusBadRequest, page)
		return
	}
	h.confirms.clear(limitKey)
	serveDocument(w, doc)
}

// serveDocument writes the file as an attachment.
func serveDocument(w http.ResponseWriter, doc *notify.DownloadedDocument) {
	hd := w.Header()
	hd.Set("Content-Type", doc.MimeType)
	hd.Set("Content-Disposition", contentDisposition(doc.DownloadName()))
	hd.Set("Content-Length", strconv.Itoa(len(doc.Content)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc.Content)
}

// contentDisposition is "attachment" with name made safe: control
// characters, quotes, path separators and other troublesome characters
// become "_", and non-ASCII names are written as RFC 5987 filename*
// with an ASCII fallback.
func contentDisposition(name string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '"', r == '\\', r == '/', r == ';', r == '%',
			unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r), unicode.Is(unicode.Cf, r):
			return '_'
		}
		return r
	}, name)
	clean = strings.TrimLeft(clean, ". ")
	if clean == "" {
		clean = "download"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": clean}); v != "" {
		return v
	}
	ascii := strings.Map(func(r rune) rune {
		if r > 0x7e || r < 0x20 {
			return '_'
		}
		return r
	}, clean)
	return `attachment; filename="` + ascii + `"`
}

// contact is how the page links to the service's contact details.
type contact struct {
	Text string
	Href template.URL
}

// contactOf makes a link of a service's contact link when it is an https
// URL or an email address, and plain text otherwise.
func contactOf(link string) *contact {
	link = strings.TrimSpace(link)
	if link == "" {
		return nil
	}
	c := &contact{Text: link}
	if u, err := url.Parse(link); err == nil && u.Scheme == "https" && u.Host != "" {
		c.Href = template.URL(u.String())
	} else if _, err := notify.ValidateEmail(link); err == nil {
		c.Href = template.URL("mailto:" + url.PathEscape(link))
	}
	return c
}

type pageData struct {
	NotFound bool
	// TooMany is the page of a document sent too many wrong addresses;
	// RetryMinutes says when the next may be tried.
	TooMany      bool
	RetryMinutes int
	Action       string
	Service      string
	Contact      *contact
	Problem      string
	Email        string
}

// downloadPage is the confirmation and not-found page. html/template
// escapes every value put in it.
var downloadPage = template.Must(template.New("download").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{if .NotFound}}This link has expired or is not valid{{else if .TooMany}}Too many attempts{{else}}Confirm your email address{{end}}</title>
<style>body{font-family:Arial,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;line-height:1.4}
.error{color:#d4351c;font-weight:bold}input{font-size:1em;padding:.3em;width:100%;max-width:25em}
button{font-size:1em;padding:.4em 1em;margin-top:1em}</style>
</head>
<body>
<main>
{{if .NotFound}}
<h1>This link has expired or is not valid</h1>
<p>Check you have the full link from your email. If the link is correct, the file is no longer available: contact the service that sent it to you.</p>
{{else if .TooMany}}
<h1>Too many attempts</h1>
<p>The wrong email address was entered too many times for this file. You can try again in {{.RetryMinutes}} minute{{if ne .RetryMinutes 1}}s{{end}}.</p>
{{with .Contact}}<p>If you need the file now, contact {{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}.</p>{{end}}
{{else}}
<h1>Confirm your email address</h1>
{{if .Service}}<p>{{.Service}} sent you a file to download.</p>{{end}}
<form method="post" action="{{.Action}}" novalidate>
<label for="email_address">Enter the email address this file was sent to</label>
{{if .Problem}}<p class="error" id="email_address-error">{{.Problem}}</p>{{end}}
<p><input type="email" id="email_address" name="email_address" autocomplete="email" spellcheck="false" value="{{.Email}}"></p>
<button type="submit">Continue</button>
</form>
{{with .Contact}}<p>If you have any questions, contact {{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}.</p>{{end}}
{{end}}
</main>
</body>
</html>
`))

func writeDownloadPage(w http.ResponseWriter, status int, d pageData) {
	var buf bytes.Buffer
	if err := downloadPage.Execute(&buf, d); err != nil {
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
