package notify_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/notifykit/notify"
)

// A client that timed out sends its request again with the same key: it
// gets the first notification back, and nothing is sent twice. The same
// key with another request is refused.
func Example_idempotencyKey() {
	n, q := newExampleNotifier()
	defer q.Close()
	caller, tpl := exampleService(n, false, 0, notify.KeyTypeLive)
	ctx := context.Background()
	req := func(code string) *notify.SMSRequest {
		return &notify.SMSRequest{PhoneNumber: "07700 900456", TemplateID: tpl.ID,
			Personalisation: map[string]any{"name": "Sam", "code": code},
			IdempotencyKey:  "reminder-2024-05-01-sam"}
	}
	first, err := n.SendSMS(ctx, caller, req("4821"))
	if err != nil {
		fmt.Println(err)
		return
	}
	retry, err := n.SendSMS(ctx, caller, req("4821"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.ID == retry.ID)

	_, err = n.SendSMS(ctx, caller, req("9999"))
	fmt.Println(errors.Is(err, notify.ErrIdempotencyMismatch), notify.StatusOf(err))
	// Output:
	// true
	// true 409
}
