package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

func ExampleNew() {
	ctx := context.Background()
	queue := memqueue.New(memqueue.Options{})
	defer queue.Close()
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: queue,
		SecretKey: []byte("example secret key, at least 32 bytes"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close(ctx)
	svc, err := n.CreateService(ctx, notify.Service{Name: "Passports"})
	if err != nil {
		log.Fatal(err)
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "backend", notify.KeyTypeLive)
	if err != nil {
		log.Fatal(err)
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Your code is ((code))"})
	if err != nil {
		log.Fatal(err)
	}

	// Mounted below /notify of your own server; BaseURL puts the prefix
	// back in the URLs the API writes.
	mux := http.NewServeMux()
	mux.Handle("/notify/", http.StripPrefix("/notify", httpapi.New(n, httpapi.Options{
		BaseURL: "/notify", Logger: slog.New(slog.DiscardHandler)})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// What a GOV.UK Notify client does with the key string.
	token, err := notify.NewToken(svc.ID, key.Secret, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/notify/v2/notifications/sms", strings.NewReader(
		`{"phone_number": "07700 900123", "template_id": "`+tpl.ID.String()+`", "personalisation": {"code": "4821"}}`))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		ID      string
		URI     string
		Content struct{ Body string }
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.StatusCode, body.Content.Body)
	fmt.Println(strings.TrimPrefix(body.URI, srv.URL) == "/notify/v2/notifications/"+body.ID)
	// Output:
	// 201 Your code is 4821
	// true
}
