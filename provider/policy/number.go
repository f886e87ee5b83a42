package policy

import (
	"math"
	"strconv"
)

// number is a decimal value of a Numeric key: an exact int64 when it is
// written as an integer that fits, else a float64.
type number struct {
	isInt bool
	i     int64
	f     float64
}

// parseNumber accepts a decimal number: an optional sign, digits with an
// optional fraction, and an optional exponent ("-12", "0.5", "1e3"). Hex,
// "Inf", "NaN", underscores and surrounding space are refused. The syntax
// is checked before strconv runs, so a request value that is not a number
// costs no allocation.
func parseNumber(s string) (number, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, intDigits := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	intDigits = digits
	isInt := true
	if i < len(s) && s[i] == '.' {
		isInt = false
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return number{}, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return number{}, false
		}
	}
	if i != len(s) {
		return number{}, false
	}
	if isInt && intDigits <= 18 { // fits an int64 whatever the digits
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return number{isInt: true, i: v, f: float64(v)}, true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return number{}, false
	}
	return number{f: f}, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
// Two integers compare exactly; otherwise both compare as float64.
func (a number) cmp(b number) int {
	if a.isInt && b.isInt {
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}
