package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGCPercentFor(t *testing.T) {
	env := func(gogc string) func(string) string {
		return func(k string) string {
			if k == "GOGC" {
				return gogc
			}
			return ""
		}
	}
	for _, tc := range []struct {
		role, gogc string
		want       int
		set        bool
	}{
		{roleAll, "", deliveryGCPercent, true},
		{roleWorker, "", deliveryGCPercent, true},
		{roleAPI, "", 0, false},
		{roleAll, "100", 0, false},
		{roleWorker, "off", 0, false},
	} {
		got, set := gcPercentFor(tc.role, env(tc.gogc))
		assert.Equal(t, tc.set, set, "%s GOGC=%q", tc.role, tc.gogc)
		assert.Equal(t, tc.want, got, "%s GOGC=%q", tc.role, tc.gogc)
	}
}
