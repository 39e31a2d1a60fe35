// Package billing holds GOV.UK Notify's international text message rate
// multipliers: how many times the SMS rate one fragment to each dialling
// prefix costs. The table is data, rates.txt, embedded in the binary; its
// header says where each figure comes from.
package billing

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

//go:embed rates.txt
var data string

// table parses rates.txt once. Lines that do not read as "prefix
// multiplier" are skipped; the tests refuse any.
var table = sync.OnceValue(func() map[string]float64 {
	m := map[string]float64{}
	for _, line := range lines() {
		if prefix, mult, ok := parseLine(line); ok {
			m[prefix] = mult
		}
	}
	return m
})

// lines returns the data lines of rates.txt: neither blank nor comments.
func lines() []string {
	var out []string
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func parseLine(line string) (prefix string, mult float64, ok bool) {
	fields := strings.Fields(line)
	if len(fields) != 2 {
		return "", 0, false
	}
	mult, err := strconv.ParseFloat(fields[1], 64)
	if err != nil || !(mult > 0) {
		return "", 0, false
	}
	return fields[0], mult, true
}

// RateMultiplier returns the multiplier of a dialling prefix (digits, no
// "+"; four digits for North American codes with their own entry, such as
// "1664") and whether the table has it.
func RateMultiplier(prefix string) (float64, bool) {
	m, ok := table()[prefix]
	return m, ok
}
