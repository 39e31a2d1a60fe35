package notify_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// A file sent by email becomes a download link; the link alone opens it.
func ExampleNotifier_Download() {
	ctx := context.Background()
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: memqueue.New(memqueue.Options{}),
		SecretKey: []byte("example: a secret key of 32+ bytes"), DocumentBaseURL: "https://notify.example.gov.uk"})
	if err != nil {
		panic(err)
	}
	defer func() { _ = n.Close(ctx) }()
	svc, _ := n.CreateService(ctx, notify.Service{Name: "Passports", Restricted: false,
		ContactLink: "https://www.example.gov.uk/passports/contact"})
	key, _ := n.CreateAPIKey(ctx, svc.ID, "backend", notify.KeyTypeLive)
	tpl, _ := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.Email, Name: "Letter",
		Subject: "Your letter", Content: "Download your letter: ((letter))"})

	nt, err := n.SendEmail(ctx, &notify.Caller{Service: svc, Key: key}, &notify.EmailRequest{
		EmailAddress: "jo@example.com", TemplateID: tpl.ID,
		Personalisation: map[string]any{"letter": map[string]any{
			"file": base64.StdEncoding.EncodeToString([]byte("Dear Jo,\n")), "filename": "letter.txt"}}})
	if err != nil {
		panic(err)
	}
	link := nt.Personalisation["letter"].(string)
	fmt.Println(nt.Body == "Download your letter: "+link, strings.HasPrefix(link, "https://notify.example.gov.uk/d/"))

	// What httpapi does with GET /d/{service_id}/{document_id}?key=...
	u, _ := url.Parse(link)
	parts := strings.Split(u.Path, "/")
	serviceID, _ := notify.ParseDocumentID(parts[2])
	documentID, _ := notify.ParseDocumentID(parts[3])
	doc, err := n.Download(ctx, serviceID, documentID, u.Query().Get("key"))
	if err != nil {
		panic(err)
	}
	fmt.Println(doc.DownloadName(), doc.MimeType, doc.ConfirmsEmail("Jo@Example.com"), doc.ConfirmsEmail("eve@example.com"))
	fmt.Printf("%q\n", doc.Content)
	// Output:
	// true true
	// letter.txt text/plain true false
	// "Dear Jo,\n"
}
