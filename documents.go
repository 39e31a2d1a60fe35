package notify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify/internal/jsontree"
	"github.com/notifykit/notify/internal/pyfmt"
)

// Sending files by email.
//
// A personalisation value that is an object with a "file" key, such as
// {"file": "<base64>", "filename": "report.pdf"}, is a file to send by
// email. It is checked with the request (its options are part of the
// request's schema), refused for text messages and for services without a
// ContactLink, decoded, checked for size and type, encrypted under a fresh
// random 256-bit key with AES-GCM and stored in the DocumentStore; the
// personalisation value becomes the download link, which alone carries the
// key:
//
//	{DocumentBaseURL}/d/{service_id}/{document_id}?key={key}
//
// with both ids and the key in unpadded base64url, as upstream writes them.
// The stored notification, its body and every answer show the link; the
// file's bytes are never stored in the clear, rendered, logged or put in an
// error. A refused request stores no document; a document stored for a
// notification that then fails to persist is deleted again.

// Limits and defaults of files sent by email.
const (
	// MaxFileSize is the largest file, in bytes after base64 decoding.
	MaxFileSize = 2 * 1024 * 1024
	// MaxFilenameLength is the longest filename, in characters.
	MaxFilenameLength = 100
	// DefaultFileRetention is how long a file stays downloadable when the
	// request does not say.
	DefaultFileRetention = "26 weeks"
	// maxRetentionWeeks is the longest retention_period.
	maxRetentionWeeks = 78
	// documentKeySize is the size of a document's key, in bytes.
	documentKeySize = 32
)

// Codes of the refusals of files sent by email.
const (
	// CodeFileByEmailOnly is a file in the personalisation of a text
	// message.
	CodeFileByEmailOnly Code = "file_by_email_only"
	// CodeFilesNotSetUp is a file sent by a service without a contact link.
	CodeFilesNotSetUp Code = "files_not_set_up"
	// CodeBadFile is a file that is not base64, too large or of a type
	// that cannot be sent.
	CodeBadFile Code = "bad_file"
)

// Refusal messages of files sent by email, exact.
const (
	MsgFileByEmailOnly    = "Can only send a file by email"
	msgFilesNotSetUp      = "Send files by email has not been set up - add contact details for your service at https://www.notifications.service.gov.uk/services/%s/service-settings/send-files-by-email"
	MsgFileNotBase64      = "Document is not base64 encoded"
	MsgFileTooLarge       = "Uploaded file exceeds file size limit"
	msgFilenameExtension  = "`filename` must end with a file extension. For example, filename.csv"
	msgFilenameAndCSV     = "Do not set a value for `is_csv` if `filename` is set."
	msgUnsupportedType    = "Unsupported file type '%s'. Supported types are: %s"
	msgRetentionPeriod    = "Unsupported value for retention_period: %s. Supported periods are from 1 to 78 weeks."
	msgIsCSV              = "Unsupported value for is_csv: %s. Use a boolean true or false value."
	msgConfirmEmail       = "Unsupported value for confirm_email_before_download: %s. Use a boolean true or false value."
	msgFilenameTooLongFmt = "`filename` cannot be longer than %d characters"
)

// fileTypes are the types a file may have: extension and MIME type.
var fileTypes = []struct{ ext, mime string }{
	{"pdf", "application/pdf"},
	{"csv", "text/csv"},
	{"txt", "text/plain"},
	{"json", "application/json"},
	{"doc", "application/msword"},
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"odt", "application/vnd.oasis.opendocument.text"},
	{"rtf", "text/rtf"},
	{"jpg", "image/jpeg"},
	{"jpeg", "image/jpeg"},
	{"png", "image/png"},
}

// supportedTypes is the list of extensions in refusals: '.csv', '.doc', ...
var supportedTypes = func() string {
	var exts []string
	for _, t := range fileTypes {
		exts = append(exts, "'."+t.ext+"'")
	}
	slices.Sort(exts)
	return strings.Join(slices.Compact(exts), ", ")
}()

func mimeOfExtension(ext string) (string, bool) {
	for _, t := range fileTypes {
		if t.ext == ext {
			return t.mime, true
		}
	}
	return "", false
}

// ExtensionOfMimeType returns the extension of a supported MIME type
// ("pdf" for application/pdf), or "".
func ExtensionOfMimeType(mime string) string {
	for _, t := range fileTypes {
		if t.mime == mime {
			return t.ext
		}
	}
	return ""
}

// Document is a file sent by email as a DocumentStore keeps it: the
// ciphertext and what is needed to serve it, never the key or the
// recipient's address.
type Document struct {
	ID        uuid.UUID
	ServiceID uuid.UUID
	// Filename is the name the sender gave, or "".
	Filename string
	// MimeType is one of the supported types.
	MimeType string
	// Ciphertext is the AES-256-GCM nonce followed by the sealed file,
	// with the service and document ids as additional data.
	Ciphertext []byte
	// ConfirmEmail asks the downloader for the recipient's email address
	// first.
	ConfirmEmail bool
	// EmailHash is HMAC-SHA256, under the document's key, of the
	// recipient's address in lower case; empty when ConfirmEmail is false.
	EmailHash []byte
	// ExpiresAt is when the document stops being served; it is deleted
	// after.
	ExpiresAt time.Time
	CreatedAt time.Time
}

// DocumentStore keeps the files sent by email. store/fsdocs keeps them in a
// directory, gormstore and memstore have the methods themselves. A Notifier
// uses Config.Documents, or else its Store when that is a DocumentStore
// (looked up through wrappers); without either, files are refused with an
// error wrapping ErrUnsupported.
type DocumentStore interface {
	// PutDocument stores d; an existing id returns an error wrapping
	// ErrDuplicate.
	PutDocument(ctx context.Context, d *Document) error
	// GetDocument returns the service's document id, expired or not, or
	// an error wrapping ErrNotFound.
	GetDocument(ctx context.Context, serviceID, id uuid.UUID) (*Document, error)
	// DeleteDocument deletes the service's document id; deleting one that
	// does not exist is not an error.
	DeleteDocument(ctx context.Context, serviceID, id uuid.UUID) error
	// DeleteExpiredDocuments deletes every document whose ExpiresAt is not
	// after now and returns how many it deleted.
	DeleteExpiredDocuments(ctx context.Context, now time.Time) (int, error)
}

// documents returns the Notifier's DocumentStore, or nil.
func (n *Notifier) documents() DocumentStore {
	if n.cfg.Documents != nil {
		return n.cfg.Documents
	}
	if d, ok := storeAs[DocumentStore](n.store); ok {
		return d
	}
	return nil
}

// ---------------------------------------------------------------------------
// Detection and the request's options

// IsFileValue reports whether a personalisation value is a file to send by
// email: an object with a "file" key.
func IsFileValue(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, ok = m["file"]
	return ok
}

// fileKeys returns the keys of values that hold files, sorted.
func fileKeys(values map[string]any) []string {
	var keys []string
	for k, v := range values {
		if IsFileValue(v) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// fileOptionNames are the keys a file value may have.
var fileOptionNames = []string{"file", "filename", "confirm_email_before_download", "is_csv", "retention_period"}

// fileOptionProblems returns the schema problems of the file values of
// values, visited in the order of keys (the request's order), each as
// upstream's ValidationError words it after "personalisation ".
func fileOptionProblems(keys []string, values map[string]any) []string {
	var out []string
	for _, k := range keys {
		m, ok := values[k].(map[string]any)
		if !ok || !IsFileValue(m) {
			continue
		}
		for _, msg := range fileValueProblems(m) {
			out = append(out, "personalisation "+msg)
		}
	}
	return out
}

var retentionRE = regexp.MustCompile(`^(\d+) weeks?$`)

// fileValueProblems checks one file value's options.
func fileValueProblems(m map[string]any) []string {
	var out []string
	switch v := m["file"].(type) {
	case string:
	case map[string]any, []any:
		// Never echo what may be the file's content.
		out = append(out, "file is not of type string")
	default:
		out = append(out, pyMessage(pyfmt.Repr(v)+" is not of type "+pyfmt.Repr("string")))
	}
	if v, ok := m["filename"]; ok && v != nil {
		if s, ok := v.(string); !ok || !strings.Contains(s, ".") {
			out = append(out, msgFilenameExtension)
		}
	}
	if v, ok := m["confirm_email_before_download"]; ok && v != nil {
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf(msgConfirmEmail, pyfmt.Str(v)))
		}
	}
	if v, ok := m["is_csv"]; ok && v != nil {
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf(msgIsCSV, pyfmt.Str(v)))
		}
	}
	if v, ok := m["retention_period"]; ok && v != nil {
		if _, ok := retentionWeeks(v); !ok {
			out = append(out, fmt.Sprintf(msgRetentionPeriod, pyfmt.Str(v)))
		}
	}
	if m["filename"] != nil && m["is_csv"] != nil {
		out = append(out, msgFilenameAndCSV)
	}
	var extra []string
	for k := range m {
		if !slices.Contains(fileOptionNames, k) {
			extra = append(extra, pyfmt.Repr(k))
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		word := "was"
		if len(extra) > 1 {
			word = "were"
		}
		out = append(out, pyMessage("Additional properties are not allowed ("+strings.Join(extra, ", ")+" "+word+" unexpected)"))
	}
	return out
}

// retentionWeeks parses a retention_period: "N week" or "N weeks", 1 to 78,
// case and surrounding space ignored.
func retentionWeeks(v any) (int, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	mm := retentionRE.FindStringSubmatch(strings.ToLower(pyfmt.Strip(s)))
	if mm == nil {
		return 0, false
	}
	n, err := strconv.Atoi(mm[1])
	if err != nil || n < 1 || n > maxRetentionWeeks {
		return 0, false
	}
	return n, true
}

// checkFileOptions is fileOptionProblems as an error, for the Go API and
// v1 (the v2 decoders report them with the other schema problems).
func checkFileOptions(values map[string]any) error {
	var errs Errors
	for _, msg := range fileOptionProblems(fileKeys(values), values) {
		errs = append(errs, ValidationError("personalisation", msg))
	}
	return errs.orNil()
}

// checkFilesAllowed refuses files in anything but an email.
func checkFilesAllowed(typ NotificationType, values map[string]any) error {
	if typ != Email && len(fileKeys(values)) > 0 {
		return refusal(CodeFileByEmailOnly, "personalisation", MsgFileByEmailOnly)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Preparing and storing

// pendingDocument is a document made for a send, stored only once the
// request has passed every check.
type pendingDocument struct {
	doc *Document
}

// prepareFiles turns the file values of values into download links for a
// send to recipient: it checks the service's contact link, decodes and
// checks each file and encrypts it. It returns the new values and the
// documents to store; nothing is stored yet. A simulated recipient gets a
// fake link and no document, as upstream.
func (n *Notifier) prepareFiles(svc *Service, values map[string]any, recipient string, simulated bool) (map[string]any, []pendingDocument, error) {
	keys := fileKeys(values)
	if len(keys) == 0 {
		return values, nil, nil
	}
	if strings.TrimSpace(svc.ContactLink) == "" {
		return nil, nil, refusal(CodeFilesNotSetUp, "personalisation", fmt.Sprintf(msgFilesNotSetUp, svc.ID))
	}
	base := strings.TrimRight(n.cfg.DocumentBaseURL, "/")
	if base == "" {
		return nil, nil, fmt.Errorf("notify: send files by email: Config.DocumentBaseURL is not set: %w", ErrUnsupported)
	}
	out := maps.Clone(values)
	if simulated {
		for _, k := range keys {
			out[k] = base + "/services/" + svc.ID.String() + "/documents/test-document"
		}
		return out, nil, nil
	}
	if n.documents() == nil {
		return nil, nil, unsupported("send files by email", "document store (Config.Documents)")
	}
	now := n.now()
	var pending []pendingDocument
	for _, k := range keys {
		doc, link, err := n.makeDocument(svc.ID, values[k].(map[string]any), recipient, now, base)
		if err != nil {
			return nil, nil, err
		}
		out[k] = link
		pending = append(pending, pendingDocument{doc: doc})
	}
	return out, pending, nil
}

// makeDocument decodes, checks and encrypts one file value (its options
// already checked) and returns the document and its link.
func (n *Notifier) makeDocument(serviceID uuid.UUID, m map[string]any, recipient string, now time.Time, base string) (*Document, string, error) {
	content, err := decodeFileContent(m["file"].(string))
	if err != nil {
		return nil, "", err
	}
	filename, _ := m["filename"].(string)
	isCSV, _ := m["is_csv"].(bool)
	mime, err := fileMimeType(content, filename, isCSV)
	if err != nil {
		return nil, "", err
	}
	confirm := true
	if b, ok := m["confirm_email_before_download"].(bool); ok {
		confirm = b
	}
	weeks := 26
	if v := m["retention_period"]; v != nil {
		weeks, _ = retentionWeeks(v)
	}
	key := make([]byte, documentKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, "", fmt.Errorf("notify: send files by email: key: %w", err)
	}
	doc := &Document{
		ID: uuid.New(), ServiceID: serviceID, Filename: filename, MimeType: mime,
		ConfirmEmail: confirm, ExpiresAt: now.Add(time.Duration(weeks) * 7 * 24 * time.Hour), CreatedAt: now,
	}
	doc.Ciphertext, err = sealDocument(key, doc.ServiceID, doc.ID, content)
	if err != nil {
		return nil, "", err
	}
	if confirm {
		doc.EmailHash = emailHash(key, recipient)
	}
	return doc, DocumentURL(base, doc.ServiceID, doc.ID, key), nil
}

// decodeFileContent decodes a file as Python's b64decode does by default:
// characters outside the base64 alphabet are skipped, and the padding must
// be right.
func decodeFileContent(s string) ([]byte, error) {
	if len(s) > (MaxFileSize/3+1)*4*2 {
		// Far above the limit whatever it holds: do not copy it.
		return nil, refusal(CodeBadFile, "personalisation", MsgFileTooLarge)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
			b.WriteByte(c)
		}
	}
	clean := b.String()
	// Data after the first complete padded quantum is ignored, as Python
	// does; padding in the middle of a quantum is an error.
	if i := strings.IndexByte(clean, '='); i >= 0 {
		end := i + (4-i%4)%4
		if i%4 < 2 || end > len(clean) || strings.Trim(clean[i:end], "=") != "" {
			return nil, refusal(CodeBadFile, "personalisation", MsgFileNotBase64)
		}
		clean = clean[:end]
	}
	if len(clean)%4 != 0 {
		return nil, refusal(CodeBadFile, "personalisation", MsgFileNotBase64)
	}
	out, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, refusal(CodeBadFile, "personalisation", MsgFileNotBase64)
	}
	if len(out) > MaxFileSize {
		return nil, refusal(CodeBadFile, "personalisation", MsgFileTooLarge)
	}
	return out, nil
}

// fileMimeType is the type of a file: its filename's extension when it has
// one (length and extension checked), else the type its content shows,
// with text/plain taken as text/csv when isCSV.
func fileMimeType(content []byte, filename string, isCSV bool) (string, error) {
	if filename != "" {
		if len([]rune(filename)) > MaxFilenameLength {
			return "", refusal(CodeBadFile, "personalisation", fmt.Sprintf(msgFilenameTooLongFmt, MaxFilenameLength))
		}
		ext := filename[strings.LastIndexByte(filename, '.')+1:]
		mime, ok := mimeOfExtension(strings.ToLower(ext))
		if !ok {
			return "", refusal(CodeBadFile, "personalisation", fmt.Sprintf(msgUnsupportedType, "."+ext, supportedTypes))
		}
		return mime, nil
	}
	mime := detectMimeType(content)
	if isCSV && mime == "text/plain" {
		mime = "text/csv"
	}
	if ExtensionOfMimeType(mime) == "" {
		return "", refusal(CodeBadFile, "personalisation", fmt.Sprintf(msgUnsupportedType, mime, supportedTypes))
	}
	return mime, nil
}

// storeDocuments stores the pending documents; on a failure it deletes the
// ones it stored and returns the error.
func (n *Notifier) storeDocuments(ctx context.Context, pending []pendingDocument) error {
	if len(pending) == 0 {
		return nil
	}
	ds := n.documents()
	for i, p := range pending {
		if err := ds.PutDocument(ctx, p.doc); err != nil {
			n.dropDocuments(ctx, pending[:i])
			return fmt.Errorf("notify: send: store document: %w", err)
		}
	}
	return nil
}

// dropDocuments deletes documents stored for a send that then failed.
func (n *Notifier) dropDocuments(ctx context.Context, pending []pendingDocument) {
	if len(pending) == 0 {
		return
	}
	dctx, cancel := detached(ctx)
	defer cancel()
	ds := n.documents()
	for _, p := range pending {
		if err := ds.DeleteDocument(dctx, p.doc.ServiceID, p.doc.ID); err != nil {
			n.log.WarnContext(ctx, "could not delete the document of a failed send; it is deleted when it expires",
				slog.String("document_id", p.doc.ID.String()), slog.Any("error", err))
		}
	}
}

// ---------------------------------------------------------------------------
// Links, keys and encryption

var b64url = base64.RawURLEncoding

// DocumentURL is the download link of a document:
// {base}/d/{service_id}/{document_id}?key={key}, with the ids and the key
// in unpadded base64url.
func DocumentURL(base string, serviceID, documentID uuid.UUID, key []byte) string {
	return strings.TrimRight(base, "/") + "/d/" + b64url.EncodeToString(serviceID[:]) + "/" +
		b64url.EncodeToString(documentID[:]) + "?key=" + b64url.EncodeToString(key)
}

// ParseDocumentID reads an id of a download link: unpadded base64url (22
// characters) or the usual hex form.
func ParseDocumentID(s string) (uuid.UUID, bool) {
	if len(s) == 22 {
		b, err := b64url.DecodeString(s)
		if err != nil || len(b) != 16 {
			return uuid.Nil, false
		}
		return uuid.UUID(b), true
	}
	return ParseUUID(s)
}

func parseDocumentKey(s string) ([]byte, bool) {
	k, err := b64url.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(k) != documentKeySize {
		return nil, false
	}
	return k, true
}

func documentAAD(serviceID, id uuid.UUID) []byte {
	return append(append([]byte("notify-document:"), serviceID[:]...), id[:]...)
}

func sealDocument(key []byte, serviceID, id uuid.UUID, content []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("notify: encrypt document: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("notify: encrypt document: %w", err)
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(content)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("notify: encrypt document: %w", err)
	}
	return gcm.Seal(nonce, nonce, content, documentAAD(serviceID, id)), nil
}

func openDocument(key []byte, d *Document) ([]byte, bool) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, false
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil || len(d.Ciphertext) < gcm.NonceSize() {
		return nil, false
	}
	ns := gcm.NonceSize()
	out, err := gcm.Open(nil, d.Ciphertext[:ns], d.Ciphertext[ns:], documentAAD(d.ServiceID, d.ID))
	return out, err == nil
}

// emailHash is HMAC-SHA256 of an address in lower case under the
// document's key: without the key it tells nothing about the address.
func emailHash(key []byte, addr string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return m.Sum(nil)
}

// ---------------------------------------------------------------------------
// Downloading

// ErrDocumentNotFound is the refusal of a download whose document does not
// exist, has expired, or whose key is wrong: the three are not told apart.
var ErrDocumentNotFound = &Error{Code: CodeNotFound, Name: NameNoResultFound, Status: http.StatusNotFound,
	Message: "No result found"}

// DownloadedDocument is a decrypted document.
type DownloadedDocument struct {
	ID        uuid.UUID
	ServiceID uuid.UUID
	// Filename is the sender's filename, or "".
	Filename string
	MimeType string
	Content  []byte
	// ConfirmEmail means the recipient's address must be given before the
	// file is served (ConfirmsEmail).
	ConfirmEmail bool
	ExpiresAt    time.Time
	key          []byte
	emailHash    []byte
}

// DownloadName is the name to save the file under: the sender's filename,
// or the document id with the type's extension.
func (d *DownloadedDocument) DownloadName() string {
	if d.Filename != "" {
		return d.Filename
	}
	return d.ID.String() + "." + ExtensionOfMimeType(d.MimeType)
}

// ConfirmsEmail reports, in constant time, whether addr is the address the
// file was sent to (case and surrounding space ignored). It is true for a
// document that asks for no confirmation.
func (d *DownloadedDocument) ConfirmsEmail(addr string) bool {
	if !d.ConfirmEmail {
		return true
	}
	return subtle.ConstantTimeCompare(emailHash(d.key, addr), d.emailHash) == 1
}

// Download returns the document of a download link, decrypted with key
// (the link's key parameter). An unknown document, a wrong key or an
// expired document (which is deleted then) give ErrDocumentNotFound.
func (n *Notifier) Download(ctx context.Context, serviceID, documentID uuid.UUID, key string) (*DownloadedDocument, error) {
	ds := n.documents()
	if ds == nil {
		return nil, ErrDocumentNotFound
	}
	k, ok := parseDocumentKey(key)
	if !ok {
		return nil, ErrDocumentNotFound
	}
	d, err := ds.GetDocument(ctx, serviceID, documentID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrDocumentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("notify: download: %w", err)
	}
	if !n.now().Before(d.ExpiresAt) {
		if err := ds.DeleteDocument(ctx, serviceID, documentID); err != nil {
			n.log.WarnContext(ctx, "could not delete an expired document", slog.String("document_id", documentID.String()),
				slog.Any("error", err))
		}
		return nil, ErrDocumentNotFound
	}
	content, ok := openDocument(k, d)
	if !ok {
		return nil, ErrDocumentNotFound
	}
	return &DownloadedDocument{ID: d.ID, ServiceID: d.ServiceID, Filename: d.Filename, MimeType: d.MimeType,
		Content: content, ConfirmEmail: d.ConfirmEmail, ExpiresAt: d.ExpiresAt, key: k, emailHash: d.EmailHash}, nil
}

// DeleteExpiredDocuments deletes the documents that have expired and
// returns how many; RunRetention calls it on every pass. Without a
// DocumentStore it does nothing.
func (n *Notifier) DeleteExpiredDocuments(ctx context.Context) (int, error) {
	ds := n.documents()
	if ds == nil {
		return 0, nil
	}
	count, err := ds.DeleteExpiredDocuments(ctx, n.now())
	if err != nil {
		return count, fmt.Errorf("notify: delete expired documents: %w", err)
	}
	return count, nil
}

// filePreviewValues replaces file values by the link a simulated recipient
// gets, for previews: no file is decoded or stored.
func (n *Notifier) filePreviewValues(serviceID uuid.UUID, values map[string]any) map[string]any {
	keys := fileKeys(values)
	if len(keys) == 0 {
		return values
	}
	out := maps.Clone(values)
	for _, k := range keys {
		out[k] = strings.TrimRight(n.cfg.DocumentBaseURL, "/") + "/services/" + serviceID.String() + "/documents/test-document"
	}
	return out
}

// addFileProblems adds the problems of the file values in a v2 body's
// personalisation to the body's schema problems.
func addFileProblems(obj *jsontree.Object, s *objectSchema, ps *schemaProblems) {
	p, _ := obj.Get("personalisation")
	po, ok := p.(*jsontree.Object)
	if !ok {
		return
	}
	values, _ := jsontree.Plain(po).(map[string]any)
	for _, msg := range fileOptionProblems(po.Keys, values) {
		ps.add(groupField, s.index("personalisation"), msg)
	}
}
