//go:build race

package notify

// raceEnabled is true when the tests run with -race, which slows the
// phonenumbers library about tenfold: exhaustive sweeps then sample.
const raceEnabled = true
