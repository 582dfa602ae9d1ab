package route

import "testing"

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"/aws/lambda/checkout", "/aws/lambda/checkout", true},
		{"/aws/lambda/checkout", "/aws/lambda/checkout-v2", false},
		{"/aws/lambda/checkout", "/aws/lambda/Checkout", false},
		{"/aws/lambda/*", "/aws/lambda/checkout", true},
		{"/aws/lambda/*", "/aws/lambda/", true},
		{"/aws/lambda/*", "/aws/lambda", false},
		{"*", "", true},
		{"*", "/anything/at/all", true},
		{"/aws/*/prod", "/aws/lambda/team/prod", true}, // '*' crosses '/'
		{"/aws/*/prod", "/aws/lambda/prod-x", false},
		{"*-canary", "/aws/lambda/api-canary", true},
		{"*-canary", "/aws/lambda/api-canary2", false},
		{"/aws/lambda/fn-?", "/aws/lambda/fn-1", true},
		{"/aws/lambda/fn-?", "/aws/lambda/fn-", false},
		{"/aws/lambda/fn-?", "/aws/lambda/fn-12", false},
		{"?", "é", true}, // one character, not one byte
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"**", "x", true},
		{"a.*", "a.b", true}, // '.' is literal
		{"a.*", "ab", false},
		{"", "", true},
		{"", "x", false},
	} {
		if got := compileGlob(tc.pattern).match(tc.name); got != tc.want {
			t.Errorf("glob %q on %q = %t, want %t", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func FuzzGlob(f *testing.F) {
	f.Add("/aws/lambda/*", "/aws/lambda/x")
	f.Add("a*b?c", "axxbyc")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := compileGlob(pattern).match(name)
		if pattern == name && !got {
			t.Fatalf("%q does not match itself", pattern)
		}
		if pattern == "*" && !got {
			t.Fatalf("* does not match %q", name)
		}
	})
}
