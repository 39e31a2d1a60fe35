package notify

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Upstream's cases: placeholder extraction (notifications-utils' test_field.py: test_extracting_placeholders).
func TestPlaceholders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		content string
		want    []string
	}{
		{"((name)) ((Name)) ((date_of_birth)) ((DateOfBirth))", []string{"name", "date_of_birth"}},
		{"((warning??This is a conditional warning))", []string{"warning"}},
		{"((warning?warning))", []string{"warning?warning"}},
		{"the ((quick brown fox", nil},
		{"the (()) brown fox", nil},
		{"", nil},
		{"the quick (((colour))) fox", []string{"colour"}},
		{"((a)) ((b)) ((A)) ((first name)) ((First_Name)) ((first-name))", []string{"a", "b", "first name"}},
		{"((a((b))", []string{"b"}},
		{"((a)b))", nil},
		{"((multi\nline))", []string{"multi\nline"}},
		{"((??text))", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.content, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Placeholders(tt.content))
		})
	}
}

// Upstream's cases: placeholder substitution (notifications-utils' test_field.py: test_replacement_of_placeholders).
func TestFillVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		template string
		values   map[string]any
		want     string
	}{
		{"((colour))", map[string]any{"colour": "red"}, "red"},
		{"the quick ((colour)) fox", map[string]any{"colour": "brown"}, "the quick brown fox"},
		{"((article)) quick ((colour)) ((animal))", map[string]any{"article": "the", "colour": "brown", "animal": "fox"}, "the quick brown fox"},
		{"the quick (((colour))) fox", map[string]any{"colour": "brown"}, "the quick (brown) fox"},
		{"before ((placeholder)) after", map[string]any{"placeholder": ""}, "before  after"},
		{"before ((placeholder)) after", map[string]any{"placeholder": "   "}, "before     after"},
		{"before ((placeholder)) after", map[string]any{"placeholder": true}, "before True after"},
		{"before ((placeholder)) after", map[string]any{"placeholder": false}, "before False after"},
		{"before ((placeholder)) after", map[string]any{"placeholder": 0}, "before 0 after"},
		{"before ((placeholder)) after", map[string]any{"placeholder": 123}, "before 123 after"},
		{"((warning?))", map[string]any{"warning?": "This is not a conditional"}, "This is not a conditional"},
		{"((warning??This is a conditional warning))", map[string]any{"warning": true}, "This is a conditional warning"},
		{"((warning??This is a conditional warning))", map[string]any{"warning": false}, ""},
		{"((warning??foo??bar))", map[string]any{"warning": true}, "foo??bar"},
		{"((warning??foo??bar))", map[string]any{"warning": false}, ""},
		{
			"Please report to the ((>location)) office at ((&time)) on ((<day)).",
			map[string]any{">location": "London", "&time": "09:00", "<day": "Monday"},
			"Please report to the London office at 09:00 on Monday.",
		},
		// Missing values are left as written, conditionals included.
		{"Hello ((name))", nil, "Hello ((name))"},
		{"Hello ((name))", map[string]any{"name": nil}, "Hello ((name))"},
		{"Hello ((name??yes))", map[string]any{}, "Hello ((name??yes))"},
		// Values are not escaped and not scanned for placeholders.
		{"((a))", map[string]any{"a": "<b>((b))</b>"}, "<b>((b))</b>"},
		// Keys match ignoring case, spaces, underscores and hyphens.
		{"Hello (( Name))", map[string]any{" Name": "Jo"}, "Hello Jo"},
		{"Hello ((Name))", map[string]any{"name": "Jo"}, "Hello Jo"},
		{"((date_of_birth))", map[string]any{"Date Of-Birth": "1 May"}, "1 May"},
		// A conditional's text may hold newlines.
		{"((show??line one\nline two))", map[string]any{"show": "yes"}, "line one\nline two"},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Fill(tt.template, tt.values))
		})
	}
}

// Upstream's cases: conditional truthiness (notifications-utils' test_field.py: str2bool).
func TestFillConditionalTruthiness(t *testing.T) {
	t.Parallel()
	truthy := []any{1, "1", "yes", "y", "true", "True", true, "include", "show", "T", "YES", 1.0, []any{"yes"}}
	falsy := []any{"0", 0, 2, 99.99999, "off", "exclude", "no", "any random string", "false", false, []any{}, map[string]any{}, ""}
	for _, v := range truthy {
		t.Run("truthy", func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "shown", Fill("((c??shown))", map[string]any{"c": v}), "value %#v", v)
		})
	}
	for _, v := range falsy {
		t.Run("falsy", func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "", Fill("((c??shown))", map[string]any{"c": v}), "value %#v", v)
		})
	}
}

// Upstream's cases: list values (notifications-utils' test_field.py: test_field_renders_lists_as_strings).
func TestFillLists(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		value    any
		plain    string
		markdown string
	}{
		{"empty", []any{}, "list: ", "list:"},
		{"one", []any{"one"}, "list: one", "list: \n\n* one"},
		{"two", []any{"one", "two"}, "list: one and two", "list: \n\n* one\n* two"},
		{"three", []any{"one", "two", "three"}, "list: one, two and three", "list: \n\n* one\n* two\n* three"},
		{"nils dropped", []any{"one", nil, nil}, "list: one", "list: \n\n* one"},
		{"blank items dropped and trimmed", []any{" one\u200b ", "\u00a0", "\ttwo\n"}, "list: one and two", "list: \n\n* one\n* two"},
		{"items stringified", []any{1.0, true, 2.5}, "list: 1, True and 2.5", "list: \n\n* 1\n* True\n* 2.5"},
		{"string slice", []string{"a", "b"}, "list: a and b", "list: \n\n* a\n* b"},
		{"int slice", []int{1, 2}, "list: 1 and 2", "list: \n\n* 1\n* 2"},
		{"nested list", []any{"a", []any{"b", "c"}}, "list: a and ['b', 'c']", "list: \n\n* a\n* ['b', 'c']"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			values := map[string]any{"placeholder": tt.value}
			assert.Equal(t, tt.plain, Fill("list: ((placeholder))", values))
			assert.Equal(t, tt.markdown, RenderEmailBody("list: ((placeholder))", values))
		})
	}
}

// Values are written as Python's str() writes them.
func TestFillStringification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"string", "text", "text"},
		{"true", true, "True"},
		{"false", false, "False"},
		{"zero", 0.0, "0"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"whole float from JSON", 123.0, "123"},
		{"large whole float", 1e22, "10000000000000000000000"},
		{"fraction", 1.5, "1.5"},
		{"small fraction", 0.1, "0.1"},
		{"tiny", 1e-5, "1e-05"},
		{"tiny mantissa", 1.5e-7, "1.5e-07"},
		{"negative", -2.25, "-2.25"},
		{"nan", math.NaN(), "nan"},
		{"inf", math.Inf(1), "inf"},
		{"int", 42, "42"},
		{"int64", int64(-7), "-7"},
		{"uint8", uint8(200), "200"},
		{"json int", json.Number("10"), "10"},
		{"json big int", json.Number("123456789012345678901234567890"), "123456789012345678901234567890"},
		{"json float", json.Number("1.0"), "1.0"},
		{"json exponent", json.Number("1e2"), "100.0"},
		{"json large exponent", json.Number("1e16"), "1e+16"},
		{"map", map[string]any{"key": "value"}, "{'key': 'value'}"},
		{"map sorted with repr", map[string]any{"b": []any{1.0, nil}, "a": "it's", "c": false}, `{'a': "it's", 'b': [1, None], 'c': False}`},
		{"empty map", map[string]any{}, "{}"},
		{"repr escapes", []any{[]any{"a\nb", `back\slash`, "both'\""}}, `['a\nb', 'back\\slash', 'both\'"']`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "<"+tt.want+">", Fill("<((v))>", map[string]any{"v": tt.value}))
		})
	}
}

// An exact key wins; otherwise the smallest insensitively matching key.
func TestFillKeyCollisions(t *testing.T) {
	t.Parallel()
	values := map[string]any{"name": "lower", "Name": "title", "NAME": "upper"}
	assert.Equal(t, "lower title upper", Fill("((name)) ((Name)) ((NAME))", values))
	assert.Equal(t, "upper", Fill("((n a m e))", values), "NAME sorts first")
}

// notifications-api's template and template REST tests.
func TestMissingPersonalisation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		subject string
		content string
		values  map[string]any
		want    []string
	}{
		{"preview", "", "Dear ((Name)), Hello ((Missing)). Yours Truly, The Government.", map[string]any{"Name": "Jo"}, []string{"Missing"}},
		{"subject first", "about your ((thing))", "hello ((name)) we’ve received your ((thing))", map[string]any{"eman": "Amala", "gniht": "document"}, []string{"thing", "name"}},
		{"all provided", "((a))", "((b)) ((c??x))", map[string]any{"A": 1, "b": "", "c": false}, nil},
		{"nil is missing", "", "((a))", map[string]any{"a": nil}, []string{"a"}},
		{"empty string is provided", "", "((a))", map[string]any{"a": ""}, nil},
		{"deduplicated insensitively", "((First Name))", "((first_name)) ((FIRSTNAME)) ((last))", nil, []string{"First Name", "last"}},
		{"conditional name", "", "((warning??Take care))", nil, []string{"warning"}},
		{"extra keys ignored", "", "Hi", map[string]any{"x": "y"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, MissingPersonalisation(tt.subject, tt.content, tt.values))
		})
	}
}

// Upstream's cases: SMS newline and whitespace normalisation.
func TestRenderSMSNewlines(t *testing.T) {
	t.Parallel()
	for _, content := range []string{
		"one newline\ntwo newlines\n\nend",
		"one newline\r\ntwo newlines\r\n\r\nend",
		"one newline\rtwo newlines\r\rend",
		"\t\t\n\r one newline\ntwo newlines\r\r\nend\n\n  \r \n \t ",
	} {
		t.Run(content, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "one newline\ntwo newlines\n\nend", RenderSMS(content, nil, ""))
		})
	}
}

func TestRenderSMS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		values  map[string]any
		prefix  string
		want    string
	}{
		{"api vector", "Hello (( Name))\nYour thing is due soon", map[string]any{" Name": "Jo"}, "", "Hello Jo\nYour thing is due soon"},
		{"empty value", "((p))", map[string]any{"p": ""}, "", ""},
		{"empty content", "", nil, "", ""},
		{"whitespace only", " \t\r\n\u00a0\u200b ", nil, "", ""},
		{"html untouched", "Hello Jo\nHere is <em>some HTML</em> & entities", nil, "", "Hello Jo\nHere is <em>some HTML</em> & entities"},
		{"space before punctuation", "Hello ((name)) , and bye .", map[string]any{"name": ""}, "", "Hello, and bye."},
		{"tab before full stop", "a\t\t.b", nil, "", "a.b"},
		{"runs of spaces", "  G      D       S  ", nil, "", "G D S"},
		{"many newlines", "P1 \n\n\n\n\n\n P2", nil, "", "P1\n\nP2"},
		{"unicode line breaks", "a\u2028b\u2029\u2029\u2029c\u0085d", nil, "", "a\nb\n\nc\nd"},
		{"zero width removed", "a\u200b\u200db\ufeff \u2060c", nil, "", "ab c"},
		{"prefix", "Just content", nil, "GDS", "GDS: Just content"},
		{"prefix trimmed", "Hi", nil, "  GDS \n", "GDS: Hi"},
		{"prefix with empty body", "  ", nil, "GDS", "GDS:"},
		{"sanitised", "Café – “naïve” résumé… ń Łódź Dvořák ç 🚀 深 ŵ ` \x00", nil, "", "Café - \"naïve\" résumé... n Lódz Dvorák c ? ? ŵ ? ?"},
		{"prefix sanitised", "嶲", nil, "👨‍👩‍👧‍👦", "????: ?"},
		{"value sanitised", "Hi ((name))", map[string]any{"name": "Zoë\u00a0O’Brien\u2026"}, "", "Hi Zoë O'Brien..."},
		{"missing left as written", "Hi ((name))", nil, "", "Hi ((name))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, RenderSMS(tt.content, tt.values, tt.prefix))
		})
	}
}

// Upstream's cases: character counts, before and after personalisation.
func TestSMSCharacterCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		content      string
		values       map[string]any
		prefix       string
		noValues     int
		withValues   int
		withoutPrefx int // with values, prefix left off
	}{
		{"深", nil, "", 1, 1, 1},
		{"Ŵ", nil, "", 1, 1, 1},
		{"'First line.\n", nil, "", 12, 12, 12},
		{"\t\n\r", nil, "", 0, 0, 0},
		{"Content with ((placeholder))", map[string]any{"placeholder": "something extra here"}, "", 13, 33, 33},
		{"Content with ((placeholder))", map[string]any{"placeholder": ""}, "", 13, 12, 12},
		{"Just content", nil, "", 12, 12, 12},
		{"((placeholder))  ", map[string]any{"placeholder": "  "}, "", 0, 0, 0},
		{"  ", nil, "", 0, 0, 0},
		{"Content with ((placeholder))", map[string]any{"placeholder": "something extra here"}, "GDS", 18, 38, 33},
		{"Just content", nil, "GDS", 17, 17, 12},
		{"((placeholder))  ", map[string]any{"placeholder": "  "}, "GDS", 5, 4, 0},
		{"  ", nil, "GDS", 4, 4, 0},
		{"  G      D       S  ", nil, "", 5, 5, 5},
		{"P1 \n\n\n\n\n\n P2", nil, "", 6, 6, 6},
		{"a    ((placeholder))    b", map[string]any{"placeholder": ""}, "", 4, 3, 3},
		{"嶲", nil, "👨‍👩‍👧‍👦", 7, 7, 1},
	}
	for _, tt := range tests {
		t.Run(tt.content+"/"+tt.prefix, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.noValues, SMSCharacterCount(RenderSMS(tt.content, nil, tt.prefix)), "no values")
			assert.Equal(t, tt.withValues, SMSCharacterCount(RenderSMS(tt.content, tt.values, tt.prefix)), "with values")
			assert.Equal(t, tt.withoutPrefx, SMSCharacterCount(RenderSMS(tt.content, tt.values, "")), "without prefix")
		})
	}
}

func TestSMSCharacterCountUTF16(t *testing.T) {
	t.Parallel()
	// Unsanitised text counts UTF-16 code units: an emoji is two.
	assert.Equal(t, 2, SMSCharacterCount("🚀"))
	assert.Equal(t, 1, SMSCharacterCount("深"))
	assert.Equal(t, 1, SMSCharacterCount("€"), "extension characters count once here")
	assert.Equal(t, 0, SMSCharacterCount(""))
	assert.Equal(t, 2, SMSCharacterCount("a((b))c"), "unfilled placeholders count as nothing")
}

// Upstream's cases: fragment counts.
func TestSMSFragmentCount(t *testing.T) {
	t.Parallel()
	rep := strings.Repeat
	tests := []struct {
		name string
		text string
		want int
	}{
		{"à×71", rep("à", 71), 1},
		{"à×160", rep("à", 160), 1},
		{"à×161", rep("à", 161), 2},
		{"à×306", rep("à", 306), 2},
		{"à×307", rep("à", 307), 3},
		{"à×612", rep("à", 612), 4},
		{"à×613", rep("à", 613), 5},
		{"à×765", rep("à", 765), 5},
		{"à×766", rep("à", 766), 6},
		{"à×918", rep("à", 918), 6},
		{"à×919", rep("à", 919), 7},
		{"ÿ×70", rep("ÿ", 70), 1},
		{"ÿ×71", rep("ÿ", 71), 2},
		{"ÿ×134", rep("ÿ", 134), 2},
		{"ÿ×135", rep("ÿ", 135), 3},
		{"ÿ×268", rep("ÿ", 268), 4},
		{"ÿ×269", rep("ÿ", 269), 5},
		{"ÿ×402", rep("ÿ", 402), 6},
		{"ÿ×403", rep("ÿ", 403), 7},
		{"à×70+ÿ", rep("à", 70) + "ÿ", 2},
		{"🚀×160", rep("🚀", 160), 1},
		{"🚀×161", rep("🚀", 161), 2},
		{"^×80", rep("^", 80), 1},
		{"^×81", rep("^", 81), 2},
		{"a×158+|", rep("a", 158) + "|", 1},
		{"a×159+|", rep("a", 159) + "|", 2},
		{"a×304+[", rep("a", 304) + "[", 2},
		{"a×304+[]", rep("a", 304) + "[]", 3},
		{"â×69+{", rep("â", 69) + "{", 1},
		{"â×70+{", rep("â", 70) + "{", 2},
		{"â×133+}", rep("â", 133) + "}", 2},
		{"â×134+}", rep("â", 134) + "}", 3},
		{"placeholder with â", rep("a", 160) + "(( placeholder with â ))", 1},
		{"placeholder with |", rep("a", 160) + "(( placeholder with | ))", 1},
		{"euro counts double", rep("a", 159) + "€", 2},
		{"empty", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, SMSFragmentCount(RenderSMS(tt.text, nil, "")))
		})
	}
}

// Upstream's cases: non-GSM detection.
func TestNonGSMCharacters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []rune
	}{
		{"à", nil},
		{"ÿ", []rune{'ÿ'}},
		{"ÿŴ", []rune{'ÿ', 'Ŵ'}},
		{"àÿ", []rune{'ÿ'}},
		{"🚀", nil},
		{"…", nil},
		{"ŵŵâŵ", []rune{'ŵ', 'â'}},
		{"Hello ((nâme))", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, NonGSMCharacters(tt.text))
			assert.Equal(t, tt.want, NonGSMCharacters(RenderSMS(tt.text, nil, "")), "after rendering")
		})
	}
}

// notifications-api's validator tests: length limits.
func TestSMSTooLong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want string
	}{
		{"limit", strings.Repeat("a", 918), ""},
		{"919", strings.Repeat("a", 919), "Your message is too long. Text messages cannot be longer than 918 characters. Your message is 919 characters long."},
		{"6000", strings.Repeat("a", 6000), "Your message is too long. Text messages cannot be longer than 918 characters. Your message is 6000 characters long."},
		{"extension chars count once", strings.Repeat("€", 918), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := SMSTooLong(RenderSMS(tt.text, nil, ""))
			if tt.want == "" {
				assert.Nil(t, err)
				return
			}
			require.NotNil(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.Equal(t, NameBadRequest, err.Name)
			assert.Equal(t, http.StatusBadRequest, err.Status)
			assert.Equal(t, FieldContent, err.Field)
		})
	}
	// The prefix is not counted: the caller passes the text without it.
	body := strings.Repeat("a", 918)
	assert.Nil(t, SMSTooLong(RenderSMS(body, nil, "")))
	assert.Equal(t, 923, SMSCharacterCount(RenderSMS(body, nil, "GDS")))
}

func TestEmailTooLong(t *testing.T) {
	t.Parallel()
	assert.Nil(t, EmailTooLong(strings.Repeat("a", EmailMaxBytes)))
	err := EmailTooLong(RenderEmailBody(strings.Repeat("a", 2000001), nil))
	require.NotNil(t, err)
	assert.Equal(t, "Your message is too long. Emails cannot be longer than 2000000 bytes. Your message is 2000001 bytes.", err.Error())
	assert.Equal(t, FieldContent, err.Field)
	assert.Equal(t, http.StatusBadRequest, err.Status)
	// Bytes, not characters.
	err = EmailTooLong(strings.Repeat("é", 1000001))
	require.NotNil(t, err)
	assert.Contains(t, err.Error(), "Your message is 2000002 bytes.")
}

// Upstream's cases: email body and subject as the API returns them.
func TestRenderEmailBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		values  map[string]any
		want    string
	}{
		{"api vector", "Hello ((name))\nThis is an email from GOV.UK", map[string]any{"name": "Bob"}, "Hello Bob\nThis is an email from GOV.UK"},
		{"preview vector", "Dear ((Name)), Hello. Yours Truly, The Government.", map[string]any{"Name": "Jo"}, "Dear Jo, Hello. Yours Truly, The Government."},
		{"trimmed, markdown kept", "\n  # Title\n\n* a  \n* b\n\n", nil, "# Title\n\n* a  \n* b"},
		{"no escaping or typography", "<b>'x' - y</b>", nil, "<b>'x' - y</b>"},
		{"empty value", "((a))", map[string]any{"a": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, RenderEmailBody(tt.content, tt.values))
		})
	}
}

func TestRenderEmailSubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		subject string
		values  map[string]any
		want    string
	}{
		{"api vector", "((name))", map[string]any{"name": "Bob"}, "Bob"},
		{"preview vector", "Message for ((Name))", map[string]any{"Name": "Jo"}, "Message for Jo"},
		{"whitespace collapsed", "  a \n\t b\u00a0\u00a0c\u200b  ", nil, "a b c"},
		{"apostrophe", "It's Bob's", nil, "It\u2019s Bob\u2019s"},
		{"double quotes", `Your "thing" is ready`, nil, "Your \u201Cthing\u201D is ready"},
		{"opening single", "the 'quoted' word", nil, "the \u2018quoted\u2019 word"},
		{"apostrophes inside words", "rock'n'roll", nil, "rock\u2019n\u2019roll"},
		{"leading quote before punctuation", `"...`, nil, "\u201D..."},
		{"en dash", "a - b -- c --- d ---- e", nil, "a \u2013 b \u2013 c \u2013 d ---- e"},
		{"dash needs spaces", "well-known", nil, "well-known"},
		{"space before punctuation", "Hello , world .", nil, "Hello, world."},
		{"email apostrophe kept", "Write to o'neil@example.com", nil, "Write to o'neil@example.com"},
		{"missing left as written", "About ((thing))", nil, "About ((thing))"},
		{"values not escaped", "((x))", map[string]any{"x": "<b>&</b>"}, "<b>&</b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, RenderEmailSubject(tt.subject, tt.values))
		})
	}
}

const (
	testP  = `<p style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;">`
	testLi = `<li style="Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px;line-height: 25px; color: #0B0C0C;">`
	testA  = `<a style="word-wrap: break-word; color: #1D70B8;" href="`
)

func TestRenderEmailHTML(t *testing.T) {
	t.Parallel()
	ul := `<table role="presentation" style="padding: 0 0 20px 0;"><tr><td style="font-family: Helvetica, Arial, sans-serif;"><ul style="Margin: 0 0 0 20px; padding: 0; list-style-type: disc;">`
	ol := `<table role="presentation" style="padding: 0 0 20px 0;"><tr><td style="font-family: Helvetica, Arial, sans-serif;"><ol style="Margin: 0 0 0 20px; padding: 0; list-style-type: decimal;">`
	tests := []struct {
		name    string
		content string
		values  map[string]any
		want    string
	}{
		{"preview vector", "Some content", nil, testP + "Some content</p>"},
		{"paragraphs and line breaks", "one\ntwo  \nthree\n\n\nfour", nil, testP + "one<br />two<br />three</p>" + testP + "four</p>"},
		{"values escaped", "Hi ((name))", map[string]any{"name": "<script>&"}, testP + "Hi &lt;script&gt;&amp;</p>"},
		{"content escaped, entities kept", "a < b &amp; c &copy; &bogus; &nbsp;", nil, testP + "a &lt; b &amp; c © &amp;bogus; &nbsp;</p>"},
		{"heading", "# Title\nbody", nil, `<h2 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 27px; line-height: 35px; font-weight: bold; color: #0B0C0C;">Title</h2>` + testP + "body</p>"},
		{"subheading", "## Sub", nil, `<h3 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 19px; line-height: 25px; font-weight: bold; color: #0B0C0C;">Sub</h3>`},
		{"underlined heading", "Title\n=====", nil, `<h2 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 27px; line-height: 35px; font-weight: bold; color: #0B0C0C;">Title</h2>`},
		{"deep heading is a paragraph", "### Small", nil, testP + "Small</p>"},
		{"rule", "a\n\n---\n\nb", nil, testP + "a</p>" + `<hr style="border: 0; height: 1px; background: #B1B4B6; Margin: 30px 0 30px 0;">` + testP + "b</p>"},
		{"bullets", "* one\n- two\n• three", nil, ul + testLi + "one</li>" + testLi + "two</li>" + testLi + "three</li></ul></td></tr></table>"},
		{"numbers", "1. one\n2. two\ncontinued", nil, ol + testLi + "one</li>" + testLi + "two<br />continued</li></ol></td></tr></table>"},
		{"list value", "list: ((p))", map[string]any{"p": []any{"one", "two"}}, testP + "list: </p>" + ul + testLi + "one</li>" + testLi + "two</li></ul></td></tr></table>"},
		{"inset text", "^ Inset\n^ text", nil, `<blockquote style="Margin: 0 0 20px 0; border-left: 10px solid #B1B4B6;padding: 15px 0 0.1px 15px; font-size: 19px; line-height: 25px;">` + testP + "Inset<br />text</p></blockquote>"},
		{"link", "See [the guide](https://example.com/a?b=1&c=2)", nil, testP + "See " + testA + `https://example.com/a?b=1&amp;c=2">the guide</a></p>`},
		{"link with title", `[x](https://e.com "T")`, nil, testP + testA + `https://e.com" title="T">x</a></p>`},
		{"image dropped", "a ![alt](https://e.com/i.png) b", nil, testP + "a  b</p>"},
		{"autolink", "Go to https://www.gov.uk/foo.", nil, testP + "Go to " + testA + `https://www.gov.uk/foo">https://www.gov.uk/foo</a>.</p>`},
		{"autolink quoted href", `https://e.com/"x"y`, nil, testP + testA + `https://e.com/%22x%22y">https://e.com/"x"y</a></p>`},
		{"govuk unlinked", "Visit GOV.UK or gov.uk/x", nil, testP + "Visit GOV.\u200bUK or gov.uk/x</p>"},
		{"typography", `It's "fine" - really , ok`, nil, testP + "It\u2019s \u201Cfine\u201D \u2013 really, ok</p>"},
		{"missing placeholder", "Hi ((name))", nil, testP + "Hi <span class='placeholder'>&#40;&#40;name&#41;&#41;</span></p>"},
		{"missing conditional", "((a??b))", nil, testP + "<span class='placeholder-conditional'>&#40;&#40;a??</span>b&#41;&#41;</p>"},
		{"empty", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, RenderEmailHTML(tt.content, tt.values))
		})
	}
}

// A realistic SMS template with three placeholders, rendered and counted.
func BenchmarkRender(b *testing.B) {
	content := "Hello ((first name)), your appointment at ((clinic)) is on ((date)). " +
		"Reply CANCEL to cancel. Don’t reply with personal details – this number is not monitored."
	values := map[string]any{"first name": "Amala", "clinic": "St Thomas’ Hospital, London", "date": "Monday 3 March at 10:30am"}
	b.ReportAllocs()
	for b.Loop() {
		s := RenderSMS(content, values, "")
		if SMSFragmentCount(s) != 2 {
			b.Fatal("unexpected fragment count")
		}
	}
}

// Pathological inputs stay fast: every scan is linear in the input.
func TestRenderLargeInputs(t *testing.T) {
	t.Parallel()
	rep := strings.Repeat
	for name, content := range map[string]string{
		"brackets":        rep("[a](", 50000),
		"open brackets":   rep("[", 200000),
		"titles":          rep(`[a](u "`, 30000),
		"quotes":          rep(`'a" `, 50000),
		"trailing spaces": rep("a  \n", 50000),
		"placeholders":    rep("((a", 50000) + "))",
		"parens":          rep("(", 200000) + "x))",
		"emails":          rep("o’neil@", 30000),
		"dashes":          rep(" - -", 50000),
		"urls":            rep("http://", 30000),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			html := RenderEmailHTML(content, nil)
			assert.NotEmpty(t, html)
			_ = RenderEmailSubject(content, nil)
			_ = SMSFragmentCount(RenderSMS(content, nil, ""))
			_ = Placeholders(content)
		})
	}
}

func TestRenderEmailHTMLLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"single-quoted title", "[x](https://e.com 'T')", testP + testA + `https://e.com" title="T">x</a></p>`},
		{"not a link: no url", "[x]()", testP + "[x]()</p>"},
		{"not a link: nested bracket", "[a [b](https://e.com)", testP + "[a " + testA + `https://e.com">b</a></p>`},
		{"not a link: unclosed", "[x](https://e.com", testP + "[x](" + testA + `https://e.com">https://e.com</a></p>`},
		{"url in angle brackets", "[x](<https://e.com>)", testP + testA + `https://e.com">x</a></p>`},
		{"no smart quotes in link text", `[it's](https://e.com) it's`, testP + testA + `https://e.com">it's</a> it` + "\u2019s</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, RenderEmailHTML(tt.content, nil))
		})
	}
}
