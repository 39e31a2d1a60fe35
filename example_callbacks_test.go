package notify_test

import (
	"context"
	"fmt"

	"github.com/notifykit/notify"
)

// A service registers a callback per type and an inbound number; text
// messages to the number are stored for it and POSTed to its inbound_sms
// callback.
func ExampleNotifier_SetCallback() {
	ctx := context.Background()
	n, _ := newExampleNotifier()
	svc, _ := n.CreateService(ctx, notify.Service{Name: "Council tax"})

	cb, err := n.SetCallback(ctx, svc.ID, notify.CallbackInboundSMS,
		notify.CallbackChange{URL: "https://council.example/texts", BearerToken: "a-secret-token"})
	fmt.Println(cb.Type, cb.URL, err)
	_, err = n.SetCallback(ctx, svc.ID, notify.CallbackComplaint,
		notify.CallbackChange{URL: "http://council.example/complaints", BearerToken: "short"})
	fmt.Println(err)

	in, _ := n.AssignInboundNumber(ctx, svc.ID, "07700 900999")
	m, err := n.ReceiveInboundSMS(ctx, notify.InboundSMS{NotifyNumber: "+447700900999", UserNumber: "07700900123", Content: "STOP"})
	fmt.Println(in.Number, m.ServiceID == svc.ID, m.UserNumber, err)
	// Output:
	// inbound_sms https://council.example/texts <nil>
	// url is not a valid https url; bearer_token is too short
	// 447700900999 true 447700900123 <nil>
}
