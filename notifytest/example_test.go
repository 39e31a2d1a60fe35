package notifytest_test

import (
	"context"
	"fmt"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

// exampleT stands in for the *testing.T of a test, which examples do not
// have.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper()                        {}
func (*exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (t *exampleT) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// remindUser is the code under test: it texts a user their code.
func remindUser(ctx context.Context, n *notify.Notifier, c *notify.Caller, tpl *notify.Template, phone string) (*notify.Notification, error) {
	return n.SendSMS(ctx, c, &notify.SMSRequest{PhoneNumber: phone, TemplateID: tpl.ID,
		Personalisation: map[string]any{"code": "4821"}})
}

func ExampleNew() {
	t := &exampleT{} // in a test: the test's t
	defer t.finish()

	env := notifytest.New(t)
	svc := env.Service(t, notify.Service{Name: "Passports"})
	caller := env.Key(t, svc, notify.KeyTypeLive)
	tpl := env.Template(t, svc, notify.SMS, "", "Your code is ((code))")

	nt, err := remindUser(context.Background(), env.Notifier, caller, tpl, "07700 900123")
	if err != nil {
		t.Fatalf("remind: %v", err)
	}
	final := env.WaitFinal(t, nt.ID)[0]
	sent := env.Sandbox.SentTo("447700900123")
	fmt.Println(final.Status, len(sent), sent[0].Message.Body)
	// Output:
	// delivered 1 Your code is 4821
}

func ExampleEnv_ApplyReceipt() {
	t := &exampleT{} // in a test: the test's t
	defer t.finish()

	// The sandbox fakes no receipt: the test decides each outcome.
	env := notifytest.New(t, notifytest.Options{HoldReceipts: true})
	svc := env.Service(t, notify.Service{})
	tpl := env.Template(t, svc, notify.SMS, "", "Your code is ((code))")
	nt, err := remindUser(context.Background(), env.Notifier, env.Key(t, svc, notify.KeyTypeLive), tpl, "07700 900123")
	if err != nil {
		t.Fatalf("remind: %v", err)
	}
	fmt.Println(env.WaitSent(t, nt.ID).Status)
	fmt.Println(env.ApplyReceipt(t, nt.ID, notify.StatusTemporaryFailure).Status)
	// Output:
	// sending
	// temporary-failure
}
