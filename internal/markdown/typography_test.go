package markdown

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRemoveSpaceBeforePunctuation(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a , b .":    "a, b.",
		"a\t \t.":    "a.",
		"a  b":       "a  b",
		" .":         ".",
		"\u00a0,":    "\u00a0,",
		"no change.": "no change.",
	} {
		assert.Equal(t, want, RemoveSpaceBeforePunctuation(in), "%q", in)
	}
}

func TestSmartQuotes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "\u2019", smartQuotes("'", 'a'), "a lone quote after text closes")
	assert.Equal(t, "\u2018", smartQuotes("'", ' '))
	assert.Equal(t, "\u201C", smartQuotes(`"`, 0))
	assert.Equal(t, "\u201D", smartQuotes(`"`, 'x'))
	assert.Equal(t, "\u201C\u2018a\u2019\u201D", smartQuotes(`"'a'"`, 0))
	assert.Equal(t, "the\u201990s", smartQuotes("the'90s", 0))
	assert.Equal(t, "x--\u2018y\u2019", smartQuotes("x--'y'", 0))
	assert.Equal(t, "&nbsp;\u201Cy\u201D", smartQuotes(`&nbsp;"y"`, 0))
	assert.Equal(t, `<a href="x">'k'</a> `+"\u2018k\u2019", smartQuotesHTML(`<a href="x">'k'</a> 'k'`))
}

func TestEnDashes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a \u2013 b", enDashes("a\u3000\u2014\u00a0b"))
	assert.Equal(t, "a \u2013 b", enDashes("a \u2013\u2013- b"))
	assert.Equal(t, "a ---- b", enDashes("a ---- b"))
	assert.Equal(t, "a -b", enDashes("a -b"))
}

func TestUnsmartEmailAddresses(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "o'neil@example.com and \u2018x\u2019", unsmartEmailAddresses("o\u2019neil@example.com and \u2018x\u2019"))
	assert.Equal(t, "\u2019@.com", unsmartEmailAddresses("\u2019@.com"), "the domain may not start with a dot")
	assert.Equal(t, "a'b@cd a'd@ef", unsmartEmailAddresses("a\u2018b@cd a\u2019d@ef"))
	assert.Equal(t, "a\u2018b@c", unsmartEmailAddresses("a\u2018b@c"), "the domain has two characters or more")
}

func TestUnlinkGovUK(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"GOV.UK":           "GOV.\u200bUK",
		"see gov.uk.":      "see gov.\u200buk.",
		"#GOV.UK":          "#GOV.\u200bUK",
		"x#GOV.UK":         "x#GOV.UK",
		"www.gov.uk":       "www.gov.uk",
		"GOV.UK/guidance":  "GOV.UK/guidance",
		"a\nGov.Uk?":       "a\nGov.Uk?",
		"a\tGov.Uk b":      "a\tGov.\u200bUk b",
		"nothing to do":    "nothing to do",
		"\u00a0GOV.UK ok ": "\u00a0GOV.\u200bUK ok ",
	} {
		assert.Equal(t, want, unlinkGovUK(in), "%q", in)
	}
}

func TestEmailSubject(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "It\u2019s \u201Cdone\u201D \u2013 o'neil@x.com, thanks", EmailSubject(" It's \"done\" - o'neil@x.com , thanks\n"))
	assert.Equal(t, "a b", normaliseWhitespace("\u200ba\u00a0\u2003 b\u2060"))
}
