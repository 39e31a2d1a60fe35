package notify

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"
)

// detectMimeType tells the type of a file sent without a filename from its
// content, for the supported types: PDF, PNG, JPEG, RTF, the Word 97
// format (any OLE2 compound file counts as one), DOCX, XLSX and ODT (ZIP
// archives, told apart by their entries), JSON and plain text (UTF-8
// without control characters). Anything else is
// application/octet-stream, or application/zip for other archives.
func detectMimeType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte(`{\rtf`)):
		return "text/rtf"
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "application/msword"
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return zipMimeType(b)
	case isPlainText(b):
		t := bytes.TrimSpace(b)
		if len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t) {
			return "application/json"
		}
		return "text/plain"
	}
	return "application/octet-stream"
}

// zipMimeType tells an OOXML or OpenDocument archive by its entries.
func zipMimeType(b []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "application/zip"
	}
	for _, f := range zr.File {
		switch f.Name {
		case "word/document.xml":
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case "xl/workbook.xml":
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		case "mimetype":
			rc, err := f.Open()
			if err != nil {
				continue
			}
			head, _ := io.ReadAll(io.LimitReader(rc, 64))
			_ = rc.Close()
			if string(head) == "application/vnd.oasis.opendocument.text" {
				return "application/vnd.oasis.opendocument.text"
			}
		}
	}
	return "application/zip"
}

// isPlainText reports whether b is non-empty UTF-8 without control
// characters other than tab, line feed, form feed and carriage return.
func isPlainText(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7F {
			return false
		}
	}
	return true
}
