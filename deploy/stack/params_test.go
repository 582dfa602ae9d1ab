package stack

import (
	"maps"
	"strings"
	"testing"
)

func TestParseOverrides(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want map[string]string
		err  string
	}{
		{"none", nil, map[string]string{}, ""},
		{"one per flag", []string{"A=1", "B=two"}, map[string]string{"A": "1", "B": "two"}, ""},
		{"several in one", []string{"A=1 B=2\tC=3"}, map[string]string{"A": "1", "B": "2", "C": "3"}, ""},
		{"quoted value with spaces", []string{`P="{ $.x = * }" Q='a b'`}, map[string]string{"P": "{ $.x = * }", "Q": "a b"}, ""},
		{"empty value", []string{"A="}, map[string]string{"A": ""}, ""},
		{"list value", []string{"Subnets=subnet-1,subnet-2"}, map[string]string{"Subnets": "subnet-1,subnet-2"}, ""},
		{"value with equals", []string{"A=x=y"}, map[string]string{"A": "x=y"}, ""},
		{"aws cli form", []string{"ParameterKey=A,ParameterValue=1"}, map[string]string{"A": "1"}, ""},
		{"no equals", []string{"A"}, nil, `"A": want Key=Value`},
		{"empty key", []string{"=1"}, nil, "want Key=Value"},
		{"bad key", []string{"A-b=1"}, nil, "alphanumeric"},
		{"twice", []string{"A=1", "A=2"}, nil, "A is given twice"},
		{"unterminated quote", []string{`A="x`}, nil, "unterminated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseOverrides(c.args)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestResolveParameters(t *testing.T) {
	tpl, err := Parse([]byte(`
Parameters:
  A: {Type: String, Default: a}
  B: {Type: Number, Default: 1}
  C: {Type: String}
  S: {Type: String, Default: "", NoEcho: true}
Resources: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := resolveParameters(tpl, map[string]string{"A": "x", "C": "c"}, map[string]string{"B": "7", "S": "secret"})
	if err != nil {
		t.Fatal(err)
	}
	want := []ParameterValue{
		{Key: "A", Value: "x", Source: FromOverride, Default: "a"},
		{Key: "B", Value: "7", Source: FromPrevious, Default: "1"},
		{Key: "C", Value: "c", Source: FromOverride},
		{Key: "S", Value: "secret", Source: FromPrevious, NoEcho: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] got %+v, want %+v", i, got[i], want[i])
		}
	}
	// Defaults apply on a new stack; a parameter without one needs a value.
	got, err = resolveParameters(tpl, map[string]string{"C": "c"}, nil)
	if err != nil || got[1].Source != FromDefault || got[1].Value != "1" {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := resolveParameters(tpl, nil, nil); err == nil || !strings.Contains(err.Error(), "parameter C has no default: pass --parameter-overrides C=VALUE") {
		t.Fatalf("err %v", err)
	}
	if _, err := resolveParameters(tpl, map[string]string{"C": "c", "Nope": "1"}, nil); err == nil || !strings.Contains(err.Error(), "no parameter Nope; it has A, B, C, S") {
		t.Fatalf("err %v", err)
	}
}
