// Client-compatibility check: GOV.UK Notify's official Node client
// (notifications-node-client, pinned in package.json) against the notify
// server loaded with seed.json. Every client method that applies is called
// and its status code and body shape asserted, refusals included. Run by
// run.sh, which starts the server and sets NOTIFY_BASE_URL. The last line is
// "N passed, M failed"; the exit status is 1 when anything failed.
'use strict';

const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');
const { NotifyClient } = require('notifications-node-client');
const jwt = require('jsonwebtoken'); // the client's own dependency, for the admin API's token

const baseUrl = process.env.NOTIFY_BASE_URL;
if (!baseUrl) {
  console.error('NOTIFY_BASE_URL is not set (run compat/run.sh)');
  process.exit(2);
}

// Ids and keys of seed.json.
const SERVICE = '2ef392a9-d69e-4560-b9b5-27321ec76628';
const LIMITED = '82492632-d81d-4abf-bf53-2fed09f24995';
const SMS_TEMPLATE = 'beb97f53-b4d3-46e4-ba41-506a2a9a18ee';
const EMAIL_TEMPLATE = '74aee3d9-03d9-4159-866c-1bbb82cb974b';
const LIMITED_TEMPLATE = 'a1c3e5f7-0b2d-4e6f-8a1c-3e5f70b2d4e6';
const FILE_TEMPLATE = '6eec2002-6e4f-4891-bd1a-3f47298dffbb';
// The compat service's SMS senders (GOVUK is the default) and reply-to
// addresses.
const DEFAULT_SENDER = 'GOVUK';
const NUMBER_SENDER_ID = '99180c76-e95e-44ae-8616-16d840010e71';
const REPLY_TO_ID = '93161ea8-674c-4d8a-8c1b-b995cf1b0381';
// A service with no contact link, which therefore cannot send files.
const NO_CONTACT = '05e3149c-2c6e-42c5-9fa5-5ff5458fc669';
const NO_CONTACT_TEMPLATE = '0acc0a9c-2b6e-4101-b60b-b2ba76cb2662';
const keys = {
  live: `compat-live-${SERVICE}-578f95c2-7724-4b29-8c1d-bc34219c0062`,
  team: `compat-team-${SERVICE}-df15d75c-1ae2-42c5-a35a-ddfe2aa7fbff`,
  test: `compat-test-${SERVICE}-3ab49a9d-f578-4287-8063-930206dba637`,
  revoked: `compat-revoked-${SERVICE}-464ae95b-5807-42c9-a18c-07a6a1b638f0`,
  limited: `limited-live-${LIMITED}-f44e05ef-d975-4b97-b377-a9d8c65c52a7`,
  noContact: `nocontact-live-${NO_CONTACT}-592bbbea-ad31-4d42-a4ec-688d2ffa3611`,
  wrongSecret: `compat-live-${SERVICE}-${randomUUID()}`,
  unknownService: `nobody-${randomUUID()}-${randomUUID()}`,
};
const TEAM_PHONE = '07700 900123';
const GUEST_EMAIL = 'guest@example.gov.uk';
const STRANGER_PHONE = '07700 900789';

const TRIAL_MSG = 'Can’t send to this recipient when service is in trial mode – see https://www.notifications.service.gov.uk/trial-mode';
const TEAM_MSG = 'Can’t send to this recipient using a team-only API key';
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const NOTIFICATION_KEYS = [
  'id', 'reference', 'email_address', 'phone_number', 'line_1', 'line_2', 'line_3', 'line_4', 'line_5',
  'line_6', 'postcode', 'type', 'status', 'template', 'body', 'subject', 'created_at', 'created_by_name',
  'sent_at', 'completed_at', 'scheduled_for', 'postage', 'one_click_unsubscribe_url', 'is_cost_data_ready',
  'cost_in_pounds', 'cost_details',
];
const TEMPLATE_KEYS = [
  'id', 'type', 'created_at', 'updated_at', 'created_by', 'version', 'body', 'subject', 'name',
  'personalisation', 'postage', 'letter_contact_block',
];

const client = (key) => new NotifyClient(baseUrl, key);
const live = client(keys.live);
const team = client(keys.team);
const test = client(keys.test);

let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok      ${name}`);
  } catch (err) {
    failed++;
    const detail = err && err.response ? ` (HTTP ${err.response.status} ${JSON.stringify(err.response.data)})` : '';
    console.log(`FAILED  ${name}: ${err && err.message ? err.message : err}${detail}`);
  }
}

function sameKeys(obj, want) {
  assert.deepEqual(Object.keys(obj).sort(), [...want].sort());
}

// refused awaits a client call that must fail with a v2 error body.
async function refused(promise, status, error, message) {
  let res;
  try {
    res = await promise;
  } catch (err) {
    assert.ok(err.response, `no HTTP response: ${err.message}`);
    assert.equal(err.response.status, status);
    const body = err.response.data;
    sameKeys(body, ['status_code', 'errors']);
    assert.equal(body.status_code, status);
    assert.ok(Array.isArray(body.errors) && body.errors.length >= 1);
    assert.equal(body.errors[0].error, error);
    assert.equal(body.errors[0].message, message);
    return body;
  }
  assert.fail(`expected HTTP ${status}, got ${res.status}`);
}

function checkSMSResponse(res, reference, from = DEFAULT_SENDER) {
  assert.equal(res.status, 201);
  const d = res.data;
  sameKeys(d, ['id', 'reference', 'content', 'uri', 'template', 'scheduled_for']);
  assert.match(d.id, UUID);
  assert.equal(d.reference, reference);
  sameKeys(d.content, ['body', 'from_number']);
  assert.equal(d.content.body, 'Hello Sam, your code is 4821');
  assert.equal(d.content.from_number, from);
  assert.equal(d.uri, `${baseUrl}/v2/notifications/${d.id}`);
  assert.deepEqual(d.template, {
    id: SMS_TEMPLATE, version: 1, uri: `${baseUrl}/services/${SERVICE}/templates/${SMS_TEMPLATE}`,
  });
  assert.equal(d.scheduled_for, null);
}

async function waitFinal(id) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const res = await live.getNotificationById(id);
    if (!['created', 'sending', 'pending'].includes(res.data.status) || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  const sent = {};
  const personalisation = { name: 'Sam', code: '4821' };

  // --- sending -----------------------------------------------------------
  await check('sendSms: live key to a team member', async () => {
    const res = await live.sendSms(SMS_TEMPLATE, TEAM_PHONE, { personalisation, reference: 'compat-ref' });
    checkSMSResponse(res, 'compat-ref');
    sent.sms = res.data.id;
  });
  await check('sendSms: no reference gives null', async () => {
    const res = await live.sendSms(SMS_TEMPLATE, '+44 7700 900456', { personalisation });
    checkSMSResponse(res, null);
    sent.sms2 = res.data.id;
  });
  await check('sendSms: test key to anyone', async () => {
    const res = await test.sendSms(SMS_TEMPLATE, STRANGER_PHONE, { personalisation });
    checkSMSResponse(res, null);
    sent.testSms = res.data.id;
  });
  await check('sendEmail: live key to the guest list', async () => {
    const res = await live.sendEmail(EMAIL_TEMPLATE, GUEST_EMAIL, {
      personalisation: { name: 'Bob' }, reference: 'email-ref',
      oneClickUnsubscribeURL: 'https://example.gov.uk/unsubscribe',
    });
    assert.equal(res.status, 201);
    const d = res.data;
    sameKeys(d, ['id', 'reference', 'content', 'uri', 'template', 'scheduled_for', 'sanitised_content']);
    assert.deepEqual(d.sanitised_content, {});
    assert.equal(d.reference, 'email-ref');
    sameKeys(d.content, ['from_email', 'body', 'subject', 'one_click_unsubscribe_url']);
    assert.equal(d.content.subject, 'Welcome, Bob');
    assert.equal(d.content.body, 'Hello Bob\n\nThis is an email from GOV.UK');
    assert.equal(d.content.from_email, 'compat.service@notifications.service.gov.uk');
    assert.equal(d.content.one_click_unsubscribe_url, 'https://example.gov.uk/unsubscribe');
    assert.equal(d.template.id, EMAIL_TEMPLATE);
    sent.email = d.id;
  });
  await check('sendEmail: sanitiseContentFor', async () => {
    // A simulated recipient: answered in full, nothing stored.
    const res = await test.sendEmail(EMAIL_TEMPLATE, 'simulate-delivered@notifications.service.gov.uk', {
      personalisation: { name: 'Amala, please [click this evil link](https://evil.link)' },
      sanitiseContentFor: ['name'],
    });
    assert.equal(res.status, 201);
    assert.deepEqual(res.data.sanitised_content, {
      name: {
        unsanitised: 'Amala, please [click this evil link](https://evil.link)',
        sanitised: 'Amala, please \\[click this evil link\\]\\(\\)',
      },
    });
    assert.equal(res.data.content.body, 'Hello Amala, please \\[click this evil link\\]\\(\\)\n\nThis is an email from GOV.UK');
  });
  await check('sendEmail: team key to a team member', async () => {
    const res = await team.sendEmail(EMAIL_TEMPLATE, 'TEAM@example.gov.uk', { personalisation: { name: 'Ann' } });
    assert.equal(res.status, 201);
    sent.teamEmail = res.data.id;
  });
  await check('sendSms: simulated recipient is accepted and not stored', async () => {
    // On a trial service a live key must still pass the team check, so
    // the test key is used here.
    const res = await test.sendSms(SMS_TEMPLATE, '07700 900000', { personalisation });
    assert.equal(res.status, 201);
    await refused(live.getNotificationById(res.data.id), 404, 'NoResultFound', 'No result found');
  });

  // --- refusals ----------------------------------------------------------
  await check('refusal: team key to a stranger', () =>
    refused(team.sendSms(SMS_TEMPLATE, STRANGER_PHONE, { personalisation }), 400, 'BadRequestError', TEAM_MSG));
  await check('refusal: trial mode, live key to a stranger', () =>
    refused(live.sendEmail(EMAIL_TEMPLATE, 'stranger@example.com', { personalisation: { name: 'X' } }),
      400, 'BadRequestError', TRIAL_MSG));
  await check('refusal: daily limit', async () => {
    const limited = client(keys.limited);
    const first = await limited.sendSms(LIMITED_TEMPLATE, TEAM_PHONE);
    assert.equal(first.status, 201);
    await refused(limited.sendSms(LIMITED_TEMPLATE, TEAM_PHONE), 429, 'TooManyRequestsError',
      'Exceeded send limits (sms: 1) for today');
  });
  await check('refusal: wrong secret (bad token)', () =>
    refused(client(keys.wrongSecret).getAllTemplates(), 403, 'AuthError', 'Invalid token: API key not found'));
  await check('refusal: unknown service', () =>
    refused(client(keys.unknownService).getAllTemplates(), 403, 'AuthError', 'Invalid token: service not found'));
  await check('refusal: malformed key', () =>
    refused(client('not-a-key').getAllTemplates(), 403, 'AuthError',
      'Invalid token: service id is not the right data type'));
  await check('refusal: revoked key', async () => {
    // Revoked long ago: upstream answers "not found" after 7 days.
    await refused(client(keys.revoked).getAllTemplates(), 403, 'AuthError', 'Invalid token: API key not found');
  });
  await check('refusal: missing personalisation', () =>
    refused(live.sendSms(SMS_TEMPLATE, TEAM_PHONE, { personalisation: { name: 'Sam' } }), 400, 'BadRequestError',
      'Missing personalisation: code'));
  await check('refusal: unknown template', () =>
    refused(live.sendSms(randomUUID(), TEAM_PHONE), 400, 'BadRequestError', 'Template not found'));
  await check('refusal: template id not a UUID', () =>
    refused(live.sendSms('not-a-uuid', TEAM_PHONE), 400, 'ValidationError', 'template_id is not a valid UUID'));
  await check('refusal: invalid phone number', () =>
    refused(live.sendSms(SMS_TEMPLATE, '07515111*11'), 400, 'ValidationError',
      'phone_number Must not contain letters or symbols'));
  await check('refusal: invalid email address', () =>
    refused(live.sendEmail(EMAIL_TEMPLATE, 'example'), 400, 'ValidationError',
      'email_address Not a valid email address'));
  await check('refusal: international number without permission', () =>
    refused(test.sendSms(SMS_TEMPLATE, '+14158961600', { personalisation }), 400, 'BadRequestError',
      'Cannot send to international mobile numbers'));
  await check('refusal: sendLetter', () =>
    refused(live.sendLetter(SMS_TEMPLATE, { personalisation: { address_line_1: 'A' } }), 400, 'BadRequestError',
      'letter notification type is not supported'));
  await check('refusal: sms_sender_id unknown', () =>
    refused(live.sendSms(SMS_TEMPLATE, TEAM_PHONE, { personalisation, smsSenderId: SERVICE }), 400,
      'BadRequestError', `sms_sender_id ${SERVICE} does not exist in database for service id ${SERVICE}`));

  // --- reading notifications ---------------------------------------------
  await check('getNotificationById: body shape and delivery', async () => {
    const res = await waitFinal(sent.sms);
    assert.equal(res.status, 200);
    const d = res.data;
    sameKeys(d, NOTIFICATION_KEYS);
    assert.equal(d.id, sent.sms);
    assert.equal(d.status, 'delivered');
    assert.equal(d.type, 'sms');
    assert.equal(d.phone_number, TEAM_PHONE);
    assert.equal(d.email_address, null);
    assert.equal(d.reference, 'compat-ref');
    assert.equal(d.body, 'Hello Sam, your code is 4821');
    assert.equal(d.subject, null);
    assert.deepEqual(d.template, {
      id: SMS_TEMPLATE, version: 1, uri: `${baseUrl}/v2/template/${SMS_TEMPLATE}/version/1`,
    });
    assert.match(d.created_at, TIMESTAMP);
    assert.match(d.sent_at, TIMESTAMP);
    assert.match(d.completed_at, TIMESTAMP);
    for (const k of ['line_1', 'line_2', 'line_3', 'line_4', 'line_5', 'line_6', 'postcode', 'postage',
      'scheduled_for', 'created_by_name', 'one_click_unsubscribe_url']) {
      assert.equal(d[k], null, k);
    }
    assert.equal(d.is_cost_data_ready, true);
    assert.equal(typeof d.cost_in_pounds, 'number');
    sameKeys(d.cost_details, ['billable_sms_fragments', 'international_rate_multiplier', 'sms_rate']);
    assert.equal(d.cost_details.billable_sms_fragments, 1);
  });
  await check('getNotificationById: email', async () => {
    const res = await waitFinal(sent.email);
    const d = res.data;
    sameKeys(d, NOTIFICATION_KEYS);
    assert.equal(d.type, 'email');
    assert.equal(d.email_address, GUEST_EMAIL);
    assert.equal(d.subject, 'Welcome, Bob');
    assert.equal(d.status, 'delivered');
    assert.equal(d.one_click_unsubscribe_url, 'https://example.gov.uk/unsubscribe');
    assert.deepEqual(d.cost_details, {});
  });
  await check('getNotificationById: unknown id', () =>
    refused(live.getNotificationById(randomUUID()), 404, 'NoResultFound', 'No result found'));
  await check('getNotificationById: not a UUID', () =>
    refused(live.getNotificationById('1234-badly-formatted-id-7890'), 400, 'ValidationError', 'notification_id is not a valid UUID'));
  await check('getNotificationById: any key type of the service', async () => {
    const res = await team.getNotificationById(sent.testSms);
    assert.equal(res.data.id, sent.testSms);
  });

  await check('getNotifications: all of the key type, newest first', async () => {
    const res = await live.getNotifications();
    assert.equal(res.status, 200);
    sameKeys(res.data, ['notifications', 'links']);
    const ids = res.data.notifications.map((n) => n.id);
    assert.deepEqual(ids, [sent.email, sent.sms2, sent.sms]);
    res.data.notifications.forEach((n) => sameKeys(n, NOTIFICATION_KEYS));
    assert.equal(res.data.links.current, `${baseUrl}/v2/notifications`);
    assert.equal(res.data.links.next, `${baseUrl}/v2/notifications?older_than=${sent.sms}`);
  });
  await check('getNotifications: other key types see their own', async () => {
    assert.deepEqual((await test.getNotifications()).data.notifications.map((n) => n.id), [sent.testSms]);
    assert.deepEqual((await team.getNotifications()).data.notifications.map((n) => n.id), [sent.teamEmail]);
  });
  await check('getNotifications: template_type filter', async () => {
    const res = await live.getNotifications('email');
    assert.deepEqual(res.data.notifications.map((n) => n.id), [sent.email]);
    assert.equal(res.data.links.current, `${baseUrl}/v2/notifications?template_type=email`);
  });
  await check('getNotifications: status filter', async () => {
    await waitFinal(sent.sms2);
    const res = await live.getNotifications(undefined, 'delivered');
    assert.deepEqual(res.data.notifications.map((n) => n.id), [sent.email, sent.sms2, sent.sms]);
    const none = await live.getNotifications('sms', 'failed');
    assert.deepEqual(none.data.notifications, []);
    assert.equal(none.data.links.next, undefined);
  });
  await check('getNotifications: reference filter', async () => {
    const res = await live.getNotifications(undefined, undefined, 'compat-ref');
    assert.deepEqual(res.data.notifications.map((n) => n.id), [sent.sms]);
  });
  await check('getNotifications: paging with older_than and links.next', async () => {
    const first = await live.getNotifications('sms');
    const next = new URL(first.data.links.next);
    const olderThan = next.searchParams.get('older_than');
    assert.equal(olderThan, sent.sms);
    const page = await live.getNotifications('sms', undefined, undefined, sent.sms2);
    assert.deepEqual(page.data.notifications.map((n) => n.id), [sent.sms]);
    const end = await live.getNotifications('sms', undefined, undefined, olderThan);
    assert.deepEqual(end.data.notifications, []);
  });
  await check('getNotifications: invalid status', () =>
    refused(live.getNotifications(undefined, 'elephant'), 400, 'ValidationError',
      'status elephant is not one of [cancelled, created, sending, sent, delivered, pending, failed, technical-failure, temporary-failure, permanent-failure, pending-virus-check, validation-failed, virus-scan-failed, returned-letter, accepted, received]'));
  await check('getNotifications: invalid older_than', () =>
    refused(live.getNotifications(undefined, undefined, undefined, 'nope'), 400, 'ValidationError',
      'older_than is not a valid UUID'));

  // --- templates ---------------------------------------------------------
  await check('getTemplateById', async () => {
    const res = await live.getTemplateById(SMS_TEMPLATE);
    assert.equal(res.status, 200);
    const d = res.data;
    sameKeys(d, TEMPLATE_KEYS);
    assert.equal(d.id, SMS_TEMPLATE);
    assert.equal(d.type, 'sms');
    assert.equal(d.version, 1);
    assert.equal(d.name, 'Code');
    assert.equal(d.body, 'Hello ((name)), your code is ((code))');
    assert.equal(d.subject, null);
    assert.deepEqual(d.personalisation, { name: { required: true }, code: { required: true } });
    assert.match(d.created_at, TIMESTAMP);
    assert.equal(d.created_by, 'team@example.gov.uk');
  });
  await check('getTemplateByIdAndVersion', async () => {
    const res = await live.getTemplateByIdAndVersion(EMAIL_TEMPLATE, 1);
    sameKeys(res.data, TEMPLATE_KEYS);
    assert.equal(res.data.version, 1);
    assert.equal(res.data.subject, 'Welcome, ((name))');
  });
  await check('getTemplateByIdAndVersion: unknown version', () =>
    refused(live.getTemplateByIdAndVersion(EMAIL_TEMPLATE, 7), 404, 'NoResultFound', 'No result found'));
  await check('getTemplateById: unknown', () =>
    refused(live.getTemplateById(randomUUID()), 404, 'NoResultFound', 'No result found'));
  await check('getAllTemplates', async () => {
    const res = await live.getAllTemplates();
    sameKeys(res.data, ['templates']);
    assert.deepEqual(res.data.templates.map((t) => t.id).sort(), [SMS_TEMPLATE, EMAIL_TEMPLATE, FILE_TEMPLATE].sort());
    res.data.templates.forEach((t) => sameKeys(t, TEMPLATE_KEYS));
  });
  await check('getAllTemplates: by type', async () => {
    assert.deepEqual((await live.getAllTemplates('sms')).data.templates.map((t) => t.id), [SMS_TEMPLATE]);
    assert.deepEqual((await live.getAllTemplates('email')).data.templates.map((t) => t.id).sort(),
      [EMAIL_TEMPLATE, FILE_TEMPLATE].sort());
    assert.deepEqual((await live.getAllTemplates('letter')).data.templates, []);
  });
  await check('getAllTemplates: invalid type', () =>
    refused(live.getAllTemplates('coconut'), 400, 'ValidationError', 'type coconut is not one of [sms, email, letter]'));
  await check('previewTemplateById: sms', async () => {
    const res = await live.previewTemplateById(SMS_TEMPLATE, personalisation);
    assert.equal(res.status, 200);
    sameKeys(res.data, ['id', 'type', 'version', 'body', 'html', 'subject', 'postage']);
    assert.equal(res.data.body, 'Hello Sam, your code is 4821');
    assert.equal(res.data.html, null);
    assert.equal(res.data.subject, null);
  });
  await check('previewTemplateById: email', async () => {
    const res = await live.previewTemplateById(EMAIL_TEMPLATE, { name: 'Jo' });
    assert.equal(res.data.subject, 'Welcome, Jo');
    assert.equal(res.data.type, 'email');
    assert.match(res.data.html, /<p[^>]*>Hello Jo<\/p>/);
  });
  await check('previewTemplateById: missing personalisation', () =>
    refused(live.previewTemplateById(EMAIL_TEMPLATE), 400, 'BadRequestError', 'Missing personalisation: name'));

  // --- received text messages --------------------------------------------
  await check('getReceivedTexts', async () => {
    const res = await live.getReceivedTexts();
    assert.equal(res.status, 200);
    sameKeys(res.data, ['received_text_messages', 'links']);
    const msgs = res.data.received_text_messages;
    assert.deepEqual(msgs.map((m) => m.content), ['Second reply', 'First reply']);
    msgs.forEach((m) => sameKeys(m, ['id', 'created_at', 'service_id', 'notify_number', 'user_number', 'content']));
    assert.equal(msgs[0].created_at, '2026-01-01T11:00:00.000000Z');
    assert.equal(msgs[0].service_id, SERVICE);
    assert.equal(res.data.links.current, `${baseUrl}/v2/received-text-messages`);
    assert.equal(res.data.links.next, `${baseUrl}/v2/received-text-messages?older_than=${msgs[1].id}`);
  });
  await check('getReceivedTexts: older_than', async () => {
    const res = await live.getReceivedTexts('7b5539e9-5799-47aa-aee7-763953b79925');
    assert.deepEqual(res.data.received_text_messages.map((m) => m.content), ['First reply']);
  });

  // --- SMS senders and reply-to addresses (after the reads above, which
  // count the live key's notifications) ----------------------------------
  await check('sendSms: smsSenderId names the sender', async () => {
    const res = await live.sendSms(SMS_TEMPLATE, TEAM_PHONE, {
      personalisation, reference: 'sender-ref', smsSenderId: NUMBER_SENDER_ID,
    });
    // A phone-number sender is given in E.164 without "+".
    checkSMSResponse(res, 'sender-ref', '447700900999');
    const got = await waitFinal(res.data.id);
    assert.equal(got.data.status, 'delivered');
    assert.equal(got.data.body, 'Hello Sam, your code is 4821');
  });
  await check('sendEmail: emailReplyToId, delivered', async () => {
    const res = await live.sendEmail(EMAIL_TEMPLATE, GUEST_EMAIL, {
      personalisation: { name: 'Reply' }, reference: 'reply-ref', emailReplyToId: REPLY_TO_ID,
    });
    assert.equal(res.status, 201);
    sameKeys(res.data, ['id', 'reference', 'content', 'uri', 'template', 'scheduled_for', 'sanitised_content']);
    assert.equal(res.data.reference, 'reply-ref');
    assert.equal(res.data.content.subject, 'Welcome, Reply');
    const got = await waitFinal(res.data.id);
    assert.equal(got.data.status, 'delivered');
    assert.equal(got.data.email_address, GUEST_EMAIL);
  });
  await check('refusal: email_reply_to_id unknown', () =>
    refused(live.sendEmail(EMAIL_TEMPLATE, GUEST_EMAIL, { personalisation: { name: 'X' }, emailReplyToId: SERVICE }),
      400, 'BadRequestError', `email_reply_to_id ${SERVICE} does not exist in database for service id ${SERVICE}`));

  // --- files sent by email ------------------------------------------------
  const linkIn = (body) => {
    const m = /Download your file: (\S+)$/.exec(body);
    assert.ok(m, `no download link in ${JSON.stringify(body)}`);
    const link = new URL(m[1]);
    assert.equal(link.origin, new URL(baseUrl).origin, 'the link leads to another server');
    assert.match(link.pathname, /^\/d\/[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]{22}$/);
    assert.match(link.searchParams.get('key'), /^[A-Za-z0-9_-]{43}$/);
    return link.href;
  };
  const fileBytes = Buffer.from('reference,amount\nA-1,12.50\n"quoted, comma",3\n', 'utf8');
  await check('sendEmail: prepareUpload with confirmEmailBeforeDownload, downloaded after confirming', async () => {
    const res = await live.sendEmail(FILE_TEMPLATE, GUEST_EMAIL, {
      personalisation: {
        link_to_file: live.prepareUpload(fileBytes,
          { filename: 'statement.csv', confirmEmailBeforeDownload: true, retentionPeriod: '4 weeks' }),
      },
    });
    assert.equal(res.status, 201);
    const link = linkIn(res.data.content.body);
    assert.ok(!res.data.content.body.includes(fileBytes.toString('base64')), 'the file is in the answer');

    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    const html = await page.text();
    assert.match(html, /name="email_address"/);
    assert.ok(!html.includes('A-1,12.50'), 'the page shows the file before the address is confirmed');

    const post = (addr) => fetch(link, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email_address: addr }).toString(),
    });
    const wrong = await post('someone.else@example.gov.uk');
    assert.equal(wrong.status, 400);
    assert.ok(!(await wrong.text()).includes('A-1,12.50'), 'a wrong address got the file');

    const file = await post(GUEST_EMAIL.toUpperCase());
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'text/csv');
    assert.match(file.headers.get('content-disposition'), /^attachment; filename="?statement\.csv"?$/);
    assert.ok(Buffer.from(await file.arrayBuffer()).equals(fileBytes), 'the download is not the uploaded file');

    const got = await waitFinal(res.data.id);
    assert.equal(got.data.status, 'delivered');
    assert.equal(linkIn(got.data.body), link);
  });
  await check('sendEmail: prepareUpload without confirmation, downloaded at once', async () => {
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0a, 0x00, 0xff, 0x80, 0x0a, 0x25, 0x25, 0x45, 0x4f, 0x46, 0x0a]);
    const res = await live.sendEmail(FILE_TEMPLATE, GUEST_EMAIL, {
      personalisation: { link_to_file: live.prepareUpload(bytes, { filename: 'letter.pdf', confirmEmailBeforeDownload: false }) },
    });
    assert.equal(res.status, 201);
    const file = await fetch(linkIn(res.data.content.body));
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'application/pdf');
    assert.ok(Buffer.from(await file.arrayBuffer()).equals(bytes), 'the download is not the uploaded file');
  });
  await check('download: a link with a wrong key is not found', async () => {
    const res = await live.sendEmail(FILE_TEMPLATE, GUEST_EMAIL, {
      personalisation: { link_to_file: live.prepareUpload(fileBytes, { filename: 'a.csv', confirmEmailBeforeDownload: false }) },
    });
    const link = new URL(linkIn(res.data.content.body));
    link.searchParams.set('key', 'A'.repeat(43));
    const page = await fetch(link);
    assert.equal(page.status, 404);
    assert.ok(!(await page.text()).includes('A-1,12.50'));
  });
  await check('refusal: a file in a text message', () =>
    refused(live.sendSms(SMS_TEMPLATE, TEAM_PHONE, {
      personalisation: { name: live.prepareUpload(fileBytes, { filename: 'a.csv' }), code: '1' },
    }), 400, 'BadRequestError', 'Can only send a file by email'));
  await check('refusal: a file from a service without a contact link', () =>
    refused(client(keys.noContact).sendEmail(NO_CONTACT_TEMPLATE, 'nocontact@example.gov.uk', {
      personalisation: { link_to_file: live.prepareUpload(fileBytes, { filename: 'a.csv' }) },
    }), 400, 'BadRequestError',
    'Send files by email has not been set up - add contact details for your service at ' +
      `https://www.notifications.service.gov.uk/services/${NO_CONTACT}/service-settings/send-files-by-email`));

  // --- Idempotency-Key (the client has no option for it) -----------------
  await check('Idempotency-Key: the same key twice sends once', async () => {
    const send = (idemKey, reference) => fetch(`${baseUrl}/v2/notifications/sms`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${jwt.sign({ iss: SERVICE }, '3ab49a9d-f578-4287-8063-930206dba637', { algorithm: 'HS256' })}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': idemKey,
      },
      body: JSON.stringify({ phone_number: TEAM_PHONE, template_id: SMS_TEMPLATE, personalisation, reference }),
    });
    const idemKey = randomUUID();
    const first = await send(idemKey, 'idem-ref');
    assert.equal(first.status, 201);
    const a = await first.json();
    const second = await send(idemKey, 'idem-ref');
    assert.equal(second.status, 201);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    const b = await second.json();
    assert.equal(b.id, a.id);
    assert.deepEqual(b, a);
    const other = await send(randomUUID(), 'idem-ref');
    assert.equal(other.status, 201);
    assert.notEqual((await other.json()).id, a.id);
    const listed = await test.getNotifications(undefined, undefined, 'idem-ref');
    assert.equal(listed.data.notifications.length, 2, 'the retried request was sent twice');
  });

  // --- a service set up over the admin API, then used with the client --
  const adminSecret = process.env.NOTIFY_ADMIN_SECRET;
  if (adminSecret) {
    const admin = async (method, path, body, want) => {
      const token = jwt.sign({ iss: 'notify-admin' }, adminSecret, { algorithm: 'HS256' });
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      assert.equal(res.status, want, `${method} ${path}: ${text}`);
      return text ? JSON.parse(text) : null;
    };
    const made = {};
    await check('admin API: create a live service, a key and a template', async () => {
      made.service = (await admin('POST', '/service', { name: 'Made over the admin API', restricted: false }, 201)).data.id;
      made.key = (await admin('POST', `/service/${made.service}/api-key`, { name: 'backend', key_type: 'normal' }, 201)).key;
      made.template = (await admin('POST', `/service/${made.service}/template`,
        { name: 'Hello', template_type: 'sms', content: 'Hello ((name))' }, 201)).data.id;
    });
    await check('admin API: the client sends with the new key', async () => {
      const client = new NotifyClient(baseUrl, made.key);
      const res = await client.sendSms(made.template, '07700 900456', { personalisation: { name: 'Jo' } });
      assert.equal(res.status, 201);
      assert.equal(res.data.content.body, 'Hello Jo');
    });
    await check('admin API: contact_link lets the new service send files', async () => {
      const svc = `/service/${made.service}`;
      assert.equal((await admin('GET', svc, undefined, 200)).data.contact_link, null);
      const template = (await admin('POST', `${svc}/template`,
        { name: 'File', template_type: 'email', subject: 'Your file', content: 'Download your file: ((link))' }, 201)).data.id;
      const client = new NotifyClient(baseUrl, made.key);
      const file = client.prepareUpload(fileBytes, { filename: 'a.csv', confirmEmailBeforeDownload: false });
      await refused(client.sendEmail(template, 'someone@example.com', { personalisation: { link: file } }),
        400, 'BadRequestError', 'Send files by email has not been set up - add contact details for your service at ' +
          `https://www.notifications.service.gov.uk/services/${made.service}/service-settings/send-files-by-email`);
      const bad = await admin('POST', svc, { contact_link: 'javascript:alert(1)' }, 400);
      assert.deepEqual(Object.keys(bad.message), ['contact_link']);
      const link = 'https://www.example.gov.uk/made/contact';
      assert.equal((await admin('POST', svc, { contact_link: link }, 200)).data.contact_link, link);
      const res = await client.sendEmail(template, 'someone@example.com', { personalisation: { link: file } });
      assert.equal(res.status, 201);
      const got = await fetch(linkIn(res.data.content.body));
      assert.equal(got.status, 200);
      assert.ok(Buffer.from(await got.arrayBuffer()).equals(fileBytes));
    });
    await check('admin API: a revoked key is refused at once', async () => {
      const keys = (await admin('GET', `/service/${made.service}/api-keys`, undefined, 200)).apiKeys;
      assert.equal(keys.length, 1);
      await admin('POST', `/service/${made.service}/api-key/revoke/${keys[0].id}`, {}, 202);
      const client = new NotifyClient(baseUrl, made.key);
      await refused(client.sendSms(made.template, '07700 900456', { personalisation: { name: 'Jo' } }),
        403, 'AuthError', 'Invalid token: API key revoked');
    });
  }

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((err) => {
  console.log(`FAILED  unexpected error: ${err && err.stack ? err.stack : err}`);
  failed++;
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = 1;
});
