package notify

// The admin API's bodies for SMS senders and email reply-to addresses,
// read as upstream's schemas ask: the value and is_default are required;
// is_active, which upstream's admin app sends, is accepted and ignored.

// DecodeSMSSenderRequest reads the body of POST
// /service/{id}/sms-sender[/{sms_sender_id}]: {"sms_sender": string,
// "is_default": boolean}.
func DecodeSMSSenderRequest(body []byte) (sender string, isDefault bool, err error) {
	return decodeSenderRequest(body, "sms_sender")
}

// DecodeEmailReplyToRequest reads the body of POST
// /service/{id}/email-reply-to[/{reply_to_id}]: {"email_address": string,
// "is_default": boolean}.
func DecodeEmailReplyToRequest(body []byte) (address string, isDefault bool, err error) {
	return decodeSenderRequest(body, "email_address")
}

func decodeSenderRequest(body []byte, field string) (string, bool, error) {
	b, err := decodeAdminBody(body)
	if err != nil {
		return "", false, err
	}
	v := b.str(field, true)
	var isDefault *bool
	if b.raw("is_default", true) != nil {
		isDefault = b.boolean("is_default")
	}
	b.ignore("is_active")
	if err := b.done(); err != nil {
		return "", false, err
	}
	return *v, *isDefault, nil
}
