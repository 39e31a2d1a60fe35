package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

// csvFile is upstream's test file: "a,b,c\n1,2,3\n".
const csvFile = "YSxiLGMKMSwyLDMK"

const docBase = "https://documents.example.gov.uk"

type fileFixture struct {
	env   *notifytest.Env
	docs  *memstore.Store
	svc   *notify.Service
	live  *notify.Caller
	email *notify.Template
	sms   *notify.Template
	clock *testClock
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFileFixture(t *testing.T, contactLink string, extra ...func(*notify.Config)) *fileFixture {
	t.Helper()
	f := &fileFixture{docs: memstore.New(), clock: &testClock{t: time.Now().UTC()}}
	f.env = notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) {
		c.Documents = f.docs
		c.DocumentBaseURL = docBase + "/"
		c.Clock = f.clock.now
		for _, e := range extra {
			e(c)
		}
	}))
	f.svc = f.env.Service(t, notify.Service{Restricted: false, ContactLink: contactLink,
		Permissions: []notify.Permission{notify.PermissionEmail, notify.PermissionSMS}})
	f.live = f.env.Key(t, f.svc, notify.KeyTypeLive)
	f.email = f.env.Template(t, f.svc, notify.Email, "Hello", "Hello.\nHere's a file for you: ((doc))")
	f.sms = f.env.Template(t, f.svc, notify.SMS, "", "Document: ((doc))")
	return f
}

func (f *fileFixture) sendJSON(t *testing.T, typ notify.NotificationType, to string, personalisation any) (*notify.Notification, error) {
	t.Helper()
	tpl, field := f.email, "email_address"
	if typ == notify.SMS {
		tpl, field = f.sms, "phone_number"
	}
	body, err := json.Marshal(map[string]any{field: to, "template_id": tpl.ID, "personalisation": personalisation})
	require.NoError(t, err)
	return f.env.Notifier.SendJSON(context.Background(), f.live, typ, body)
}

// link is a download link taken apart.
type link struct {
	serviceID, documentID uuid.UUID
	key                   string
}

func parseLink(t *testing.T, s string) link {
	t.Helper()
	require.True(t, strings.HasPrefix(s, docBase+"/d/"), "not a download link: %q", s)
	u, err := url.Parse(s)
	require.NoError(t, err)
	parts := strings.Split(strings.TrimPrefix(u.Path, "/d/"), "/")
	require.Len(t, parts, 2)
	sid, ok := notify.ParseDocumentID(parts[0])
	require.True(t, ok)
	did, ok := notify.ParseDocumentID(parts[1])
	require.True(t, ok)
	require.Len(t, parts[0], 22, "ids are unpadded base64url, as upstream writes them")
	return link{sid, did, u.Query().Get("key")}
}

// Upstream: test_post_email_notification_validates_personalisation_send_a_file_values.
func TestPostEmailNotificationValidatesPersonalisationSendAFileValues(t *testing.T) {
	tests := []struct {
		name            string
		personalisation map[string]any
		wantStatus      int
		wantMessage     string // contained in the first error's message
		wantUpload      bool
		wantConfirm     bool
		wantWeeks       int
		wantFilename    string
	}{
		{"just some text", map[string]any{"doc": "just some text"}, 201, "", false, false, 0, ""},
		{"file false", map[string]any{"doc": map[string]any{"file": false}}, 400, "personalisation False is not of type string", false, false, 0, ""},
		{"file", map[string]any{"doc": map[string]any{"file": csvFile}}, 201, "", true, true, 26, ""},
		{"is_csv null", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": nil}}, 201, "", true, true, 26, ""},
		{"is_csv true", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": true}}, 201, "", true, true, 26, ""},
		{"is_csv false", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": false}}, 201, "", true, true, 26, ""},
		{"is_csv bad", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": "bad"}}, 400,
			"Unsupported value for is_csv: bad. Use a boolean true or false value.", false, false, 0, ""},
		{"confirm null", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": true, "confirm_email_before_download": nil}}, 201, "", true, true, 26, ""},
		{"confirm true", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": true, "confirm_email_before_download": true}}, 201, "", true, true, 26, ""},
		{"confirm false", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": true, "confirm_email_before_download": false}}, 201, "", true, false, 26, ""},
		{"confirm potato", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": true, "confirm_email_before_download": "potato"}}, 400,
			"Unsupported value for confirm_email_before_download: potato. Use a boolean true or false value.", false, false, 0, ""},
		{"retention null", map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": nil}}, 201, "", true, true, 26, ""},
		{"retention 1 week", map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "1 week"}}, 201, "", true, true, 1, ""},
		{"retention 70 weeks", map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "70 weeks"}}, 201, "", true, true, 70, ""},
		{"retention 9999 weeks", map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "9999 weeks"}}, 400,
			"Unsupported value for retention_period: 9999 weeks", false, false, 0, ""},
		{"retention 1 month", map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "1 month"}}, 400,
			"Unsupported value for retention_period: 1 month", false, false, 0, ""},
		{"retention false", map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": false}}, 400,
			"Unsupported value for retention_period: False", false, false, 0, ""},
		{"other attribute", map[string]any{"doc": map[string]any{"file": csvFile, "other": "attribute"}}, 400,
			"Additional properties are not allowed (other was unexpected)", false, false, 0, ""},
		{"potato", map[string]any{"doc": map[string]any{"potato": csvFile}}, 201, "", false, false, 0, ""},
		{"potato and cucumber", map[string]any{"doc": map[string]any{"potato": csvFile, "is_csv": "cucumber"}}, 201, "", false, false, 0, ""},
		{"filename", map[string]any{"doc": map[string]any{"file": csvFile, "filename": "file.csv"}}, 201, "", true, true, 26, "file.csv"},
		{"filename without extension", map[string]any{"doc": map[string]any{"file": csvFile, "filename": "file"}}, 400,
			"`filename` must end with a file extension. For example, filename.csv", false, false, 0, ""},
		{"is_csv and filename", map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": true, "filename": "file.csv"}}, 400,
			"Do not set a value for `is_csv` if `filename` is set.", false, false, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFileFixture(t, "test@notify.example")
			nt, err := f.sendJSON(t, notify.Email, "recipient@example.gov.uk", tc.personalisation)
			if tc.wantStatus != 201 {
				require.Error(t, err)
				errs := notify.ErrorList(err)
				require.NotEmpty(t, errs)
				assert.Equal(t, tc.wantStatus, errs[0].Status)
				assert.Equal(t, notify.NameValidation, errs[0].Name)
				assert.Contains(t, errs[0].Message, tc.wantMessage)
				assert.NotContains(t, err.Error(), "1,2,3")
				list, lerr := f.env.Notifier.Store().ListNotifications(context.Background(), notify.NotificationFilter{ServiceID: f.svc.ID})
				require.NoError(t, lerr)
				assert.Empty(t, list, "a refused request stored a notification")
				n, derr := f.docs.DeleteExpiredDocuments(context.Background(), time.Now().Add(100*365*24*time.Hour))
				require.NoError(t, derr)
				assert.Zero(t, n, "a refused request stored a document")
				return
			}
			require.NoError(t, err)
			n, derr := f.docs.DeleteExpiredDocuments(context.Background(), time.Now().Add(-time.Hour))
			require.NoError(t, derr)
			require.Zero(t, n)
			if !tc.wantUpload {
				assert.Equal(t, tc.personalisation["doc"], nt.Personalisation["doc"])
				return
			}
			l := parseLink(t, nt.Personalisation["doc"].(string))
			assert.Equal(t, f.svc.ID, l.serviceID)
			assert.Equal(t, "Hello.\nHere's a file for you: "+nt.Personalisation["doc"].(string), nt.Body)
			doc, err := f.env.Notifier.Download(context.Background(), l.serviceID, l.documentID, l.key)
			require.NoError(t, err)
			assert.Equal(t, "a,b,c\n1,2,3\n", string(doc.Content))
			assert.Equal(t, tc.wantConfirm, doc.ConfirmEmail)
			assert.Equal(t, tc.wantFilename, doc.Filename)
			assert.WithinDuration(t, f.clock.now().Add(time.Duration(tc.wantWeeks)*7*24*time.Hour), doc.ExpiresAt, time.Second)
			wantType := "text/plain"
			if tc.personalisation["doc"].(map[string]any)["is_csv"] == true || tc.wantFilename != "" {
				wantType = "text/csv"
			}
			assert.Equal(t, wantType, doc.MimeType)
			if tc.wantConfirm {
				assert.True(t, doc.ConfirmsEmail(" Recipient@Example.gov.uk "))
				assert.False(t, doc.ConfirmsEmail("someone.else@example.gov.uk"))
			}
		})
	}
}

// Upstream: test_post_notification_with_document_upload.
func TestPostNotificationWithDocumentUpload(t *testing.T) {
	f := newFileFixture(t, "contact.me@gov.uk")
	tpl := f.env.Template(t, f.svc, notify.Email, "Files", "Document 1: ((first_link)). Document 2: ((second_link))")
	first := base64.StdEncoding.EncodeToString([]byte("first file\n"))
	second := base64.StdEncoding.EncodeToString([]byte(`{"second": "file"}`))
	nt, err := f.env.Notifier.SendEmail(context.Background(), f.live, &notify.EmailRequest{
		EmailAddress: "someone@example.gov.uk", TemplateID: tpl.ID,
		Personalisation: map[string]any{"first_link": map[string]any{"file": first}, "second_link": map[string]any{"file": second}},
	})
	require.NoError(t, err)
	l1, l2 := nt.Personalisation["first_link"].(string), nt.Personalisation["second_link"].(string)
	assert.Equal(t, "Document 1: "+l1+". Document 2: "+l2, nt.Body)

	stored, err := f.env.Notifier.Store().GetNotification(context.Background(), nt.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"first_link": l1, "second_link": l2}, stored.Personalisation)
	dump := fmt.Sprintf("%+v", *stored)
	for _, b64 := range []string{first, second} {
		assert.NotContains(t, dump, b64, "the file's content was stored")
	}
	for _, c := range []struct{ link, content, mime string }{{l1, "first file\n", "text/plain"}, {l2, `{"second": "file"}`, "application/json"}} {
		l := parseLink(t, c.link)
		doc, err := f.env.Notifier.Download(context.Background(), l.serviceID, l.documentID, l.key)
		require.NoError(t, err)
		assert.Equal(t, c.content, string(doc.Content))
		assert.Equal(t, c.mime, doc.MimeType)
		raw, err := f.docs.GetDocument(context.Background(), l.serviceID, l.documentID)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(raw.Ciphertext, []byte(c.content)), "the document is stored in the clear")
		assert.NotContains(t, fmt.Sprintf("%+v", *raw), l.key, "the key was stored")
	}
}

// Upstream: test_post_notification_with_document_upload_simulated.
func TestPostNotificationWithDocumentUploadSimulated(t *testing.T) {
	f := newFileFixture(t, "contact.me@gov.uk")
	nt, err := f.sendJSON(t, notify.Email, "simulate-delivered@notifications.service.gov.uk",
		map[string]any{"doc": map[string]any{"file": csvFile}})
	require.NoError(t, err)
	assert.Equal(t, "Hello.\nHere's a file for you: "+docBase+"/services/"+f.svc.ID.String()+"/documents/test-document", nt.Body)
	n, err := f.docs.DeleteExpiredDocuments(context.Background(), time.Now().Add(100*365*24*time.Hour))
	require.NoError(t, err)
	assert.Zero(t, n, "a simulated send stored a document")
}

// Upstream: test_post_notification_without_document_upload_permission.
func TestPostNotificationWithoutDocumentUploadPermission(t *testing.T) {
	f := newFileFixture(t, "")
	_, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk", map[string]any{"doc": map[string]any{"file": csvFile}})
	requireRefusal(t, err, 400, notify.NameBadRequest, "Send files by email has not been set up - add contact details for your service at https://www.notifications.service.gov.uk/services/"+f.svc.ID.String()+"/service-settings/send-files-by-email")
	assert.Equal(t, notify.CodeFilesNotSetUp, notify.CodeOf(err))
}

// Upstream: test_post_notification_with_document_rejects_sms_and_letter.
func TestPostNotificationWithDocumentRejectsSMS(t *testing.T) {
	f := newFileFixture(t, "contact.me@gov.uk")
	_, err := f.sendJSON(t, notify.SMS, "07700900100", map[string]any{"doc": map[string]any{"file": csvFile}})
	requireRefusal(t, err, 400, notify.NameBadRequest, "Can only send a file by email")
	assert.Equal(t, notify.CodeFileByEmailOnly, notify.CodeOf(err))
	assert.NotContains(t, err.Error(), csvFile)
}

// The checks of the file itself, made where upstream's document-download
// makes them, each with its own message.
func TestBadFilesAreRefused(t *testing.T) {
	big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("a"), notify.MaxFileSize+1))
	exactly := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("a"), notify.MaxFileSize))
	binary := base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 3, 0xfe, 0xff})
	tests := []struct {
		name string
		doc  map[string]any
		want string // "" accepted
	}{
		{"not base64", map[string]any{"file": "abc"}, "Document is not base64 encoded"},
		{"bad padding", map[string]any{"file": "YQ=a"}, "Document is not base64 encoded"},
		{"too large", map[string]any{"file": big}, "Uploaded file exceeds file size limit"},
		{"exactly 2 MiB", map[string]any{"file": exactly}, ""},
		{"unknown type", map[string]any{"file": binary}, "Unsupported file type 'application/octet-stream'. Supported types are: '.csv', '.doc', '.docx', '.jpeg', '.jpg', '.json', '.odt', '.pdf', '.png', '.rtf', '.txt', '.xlsx'"},
		{"unsupported extension", map[string]any{"file": csvFile, "filename": "run.exe"}, "Unsupported file type '.exe'. Supported types are: '.csv', '.doc', '.docx', '.jpeg', '.jpg', '.json', '.odt', '.pdf', '.png', '.rtf', '.txt', '.xlsx'"},
		{"filename too long", map[string]any{"file": csvFile, "filename": strings.Repeat("a", 97) + ".pdf"}, "`filename` cannot be longer than 100 characters"},
		{"filename of 100", map[string]any{"file": csvFile, "filename": strings.Repeat("a", 96) + ".pdf"}, ""},
		{"upper-case extension", map[string]any{"file": csvFile, "filename": "REPORT.PDF"}, ""},
		{"base64 with line breaks", map[string]any{"file": "YSxi\nLGMK\r\nMSwyLDMK"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFileFixture(t, "https://example.gov.uk/contact")
			nt, err := f.env.Notifier.SendEmail(context.Background(), f.live, &notify.EmailRequest{
				EmailAddress: "someone@example.gov.uk", TemplateID: f.email.ID, Personalisation: map[string]any{"doc": tc.doc}})
			if tc.want == "" {
				require.NoError(t, err)
				parseLink(t, nt.Personalisation["doc"].(string))
				return
			}
			requireRefusal(t, err, 400, notify.NameBadRequest, tc.want)
			assert.Equal(t, notify.CodeBadFile, notify.CodeOf(err))
			n, derr := f.docs.DeleteExpiredDocuments(context.Background(), time.Now().Add(100*365*24*time.Hour))
			require.NoError(t, derr)
			assert.Zero(t, n)
		})
	}
}

func TestDetectedTypes(t *testing.T) {
	tests := map[string]struct {
		content []byte
		isCSV   bool
		want    string
	}{
		"pdf":          {[]byte("%PDF-1.7\n..."), false, "application/pdf"},
		"png":          {[]byte("\x89PNG\r\n\x1a\n\x00\x00"), false, "image/png"},
		"jpeg":         {[]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, false, "image/jpeg"},
		"rtf":          {[]byte(`{\rtf1\ansi hello}`), false, "text/rtf"},
		"text":         {[]byte("hello\n"), false, "text/plain"},
		"text as csv":  {[]byte("a,b\n1,2\n"), true, "text/csv"},
		"json":         {[]byte(`[1, 2]`), false, "application/json"},
		"json not csv": {[]byte(`[1, 2]`), true, "application/json"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFileFixture(t, "https://example.gov.uk/contact")
			nt, err := f.env.Notifier.SendEmail(context.Background(), f.live, &notify.EmailRequest{
				EmailAddress: "someone@example.gov.uk", TemplateID: f.email.ID, Personalisation: map[string]any{"doc": map[string]any{
					"file": base64.StdEncoding.EncodeToString(tc.content), "is_csv": tc.isCSV}}})
			require.NoError(t, err)
			l := parseLink(t, nt.Personalisation["doc"].(string))
			doc, err := f.env.Notifier.Download(context.Background(), l.serviceID, l.documentID, l.key)
			require.NoError(t, err)
			assert.Equal(t, tc.want, doc.MimeType)
			assert.Equal(t, l.documentID.String()+"."+notify.ExtensionOfMimeType(tc.want), doc.DownloadName())
		})
	}
}

func TestDownloadRefusesWrongKeysAndExpiredDocuments(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact")
	nt, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk",
		map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "1 week"}})
	require.NoError(t, err)
	l := parseLink(t, nt.Personalisation["doc"].(string))
	n := f.env.Notifier
	ctx := context.Background()

	otherKey := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	for name, tc := range map[string]struct {
		svc, doc uuid.UUID
		key      string
	}{
		"wrong key":       {l.serviceID, l.documentID, otherKey},
		"short key":       {l.serviceID, l.documentID, "abc"},
		"no key":          {l.serviceID, l.documentID, ""},
		"unknown id":      {l.serviceID, uuid.New(), l.key},
		"another service": {uuid.New(), l.documentID, l.key},
	} {
		_, err := n.Download(ctx, tc.svc, tc.doc, tc.key)
		assert.ErrorIs(t, err, notify.ErrDocumentNotFound, name)
	}

	f.clock.add(7*24*time.Hour - time.Minute)
	_, err = n.Download(ctx, l.serviceID, l.documentID, l.key)
	require.NoError(t, err, "still within its week")
	f.clock.add(time.Minute)
	_, err = n.Download(ctx, l.serviceID, l.documentID, l.key)
	assert.ErrorIs(t, err, notify.ErrDocumentNotFound)
	_, err = f.docs.GetDocument(ctx, l.serviceID, l.documentID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "an expired document is deleted when read")
}

func TestDeleteExpiredDocuments(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact")
	short, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk",
		map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "1 week"}})
	require.NoError(t, err)
	long, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk",
		map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "2 weeks"}})
	require.NoError(t, err)
	f.clock.add(8 * 24 * time.Hour)
	n, err := f.env.Notifier.DeleteExpiredDocuments(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ls, ll := parseLink(t, short.Personalisation["doc"].(string)), parseLink(t, long.Personalisation["doc"].(string))
	_, err = f.docs.GetDocument(context.Background(), ls.serviceID, ls.documentID)
	assert.ErrorIs(t, err, notify.ErrNotFound)
	_, err = f.env.Notifier.Download(context.Background(), ll.serviceID, ll.documentID, ll.key)
	assert.NoError(t, err)
}

// failingCreate is a Store whose CreateNotification fails; it has no
// batch abilities, so every send persists alone.
type failingCreate struct{ notify.Store }

func (failingCreate) CreateNotification(context.Context, *notify.Notification) error {
	return errors.New("database down")
}

func TestAFailedPersistLeavesNoDocument(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact", func(c *notify.Config) {
		c.Store = failingCreate{c.Store}
	})
	_, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk", map[string]any{"doc": map[string]any{"file": csvFile}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), csvFile)
	n, err := f.docs.DeleteExpiredDocuments(context.Background(), time.Now().Add(100*365*24*time.Hour))
	require.NoError(t, err)
	assert.Zero(t, n, "the document of a notification that was not stored stayed")
}

func TestFilesNeedABaseURLAndAStore(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact", func(c *notify.Config) { c.DocumentBaseURL = "" })
	_, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk", map[string]any{"doc": map[string]any{"file": csvFile}})
	assert.ErrorIs(t, err, notify.ErrUnsupported)
	assert.Equal(t, notify.CodeInternal, notify.CodeOf(err))
}

func TestTheStoreIsTheDefaultDocumentStore(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact", func(c *notify.Config) { c.Documents = nil })
	nt, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk", map[string]any{"doc": map[string]any{"file": csvFile}})
	require.NoError(t, err)
	l := parseLink(t, nt.Personalisation["doc"].(string))
	doc, err := f.env.Notifier.Download(context.Background(), l.serviceID, l.documentID, l.key)
	require.NoError(t, err)
	assert.Equal(t, "a,b,c\n1,2,3\n", string(doc.Content))
	_, err = f.docs.GetDocument(context.Background(), l.serviceID, l.documentID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "the document went to the Store, not elsewhere")
}

func TestPreviewShowsALinkForAFile(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact")
	p, err := f.env.Notifier.PreviewTemplate(context.Background(), f.live, f.email.ID,
		map[string]any{"doc": map[string]any{"file": csvFile}})
	require.NoError(t, err)
	assert.Equal(t, "Hello.\nHere's a file for you: "+docBase+"/services/"+f.svc.ID.String()+"/documents/test-document", p.Body)
	assert.NotContains(t, p.HTML, csvFile)
}

func TestV1SendsFilesToo(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact")
	body, _ := json.Marshal(map[string]any{"to": "someone@example.gov.uk", "template": f.email.ID,
		"personalisation": map[string]any{"doc": map[string]any{"file": csvFile, "is_csv": "no"}}})
	_, err := f.env.Notifier.SendV1(context.Background(), f.live, notify.Email, body)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Unsupported value for is_csv: no. Use a boolean true or false value.")
	body, _ = json.Marshal(map[string]any{"to": "someone@example.gov.uk", "template": f.email.ID,
		"personalisation": map[string]any{"doc": map[string]any{"file": csvFile}}})
	nt, err := f.env.Notifier.SendV1(context.Background(), f.live, notify.Email, body)
	require.NoError(t, err)
	parseLink(t, nt.Personalisation["doc"].(string))
}

// On PostgreSQL notifyd leaves Config.Documents nil: the Store keeps the
// documents, found behind the metrics wrapper and the read cache.
func TestDocumentsPassThroughTheMetricsWrapper(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact", func(c *notify.Config) {
		c.Documents = nil
		*c = instrument.Config(*c, instrument.DefaultPrefix)
	})
	nt, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk", map[string]any{"doc": map[string]any{"file": csvFile}})
	require.NoError(t, err)
	l := parseLink(t, nt.Personalisation["doc"].(string))
	_, err = f.env.Notifier.Download(context.Background(), l.serviceID, l.documentID, l.key)
	require.NoError(t, err)
}

// The workers' retention pass deletes expired documents.
func TestRetentionDeletesExpiredDocuments(t *testing.T) {
	f := newFileFixture(t, "https://example.gov.uk/contact")
	nt, err := f.sendJSON(t, notify.Email, "someone@example.gov.uk",
		map[string]any{"doc": map[string]any{"file": csvFile, "retention_period": "1 week"}})
	require.NoError(t, err)
	l := parseLink(t, nt.Personalisation["doc"].(string))
	f.clock.add(7 * 24 * time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.env.Notifier.RunRetention(ctx, time.Hour) }()
	assert.Eventually(t, func() bool {
		_, err := f.docs.GetDocument(context.Background(), l.serviceID, l.documentID)
		return errors.Is(err, notify.ErrNotFound)
	}, 5*time.Second, 10*time.Millisecond, "the retention pass left an expired document")
	cancel()
	require.NoError(t, <-done)
}
