package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// ParseOverrides reads parameter overrides the way `sam deploy
// --parameter-overrides` does: each argument holds one or more
// Key=Value pairs separated by spaces, a value may be quoted ('...' or
// "...") to hold spaces, and the AWS CLI form
// ParameterKey=K,ParameterValue=V is accepted too. A key given twice is an
// error.
func ParseOverrides(args []string) (map[string]string, error) {
	out := map[string]string{}
	var errs []error
	for _, arg := range args {
		words, err := splitWords(arg)
		if err != nil {
			errs = append(errs, fmt.Errorf("--parameter-overrides %q: %w", arg, err))
			continue
		}
		for _, w := range words {
			k, v, err := overridePair(w)
			if err != nil {
				errs = append(errs, fmt.Errorf("--parameter-overrides: %w", err))
				continue
			}
			if _, dup := out[k]; dup {
				errs = append(errs, fmt.Errorf("--parameter-overrides: %s is given twice", k))
				continue
			}
			out[k] = v
		}
	}
	return out, errors.Join(errs...)
}

func overridePair(w string) (string, string, error) {
	if rest, ok := strings.CutPrefix(w, "ParameterKey="); ok {
		k, v, found := strings.Cut(rest, ",ParameterValue=")
		if !found || k == "" {
			return "", "", fmt.Errorf("%q: want ParameterKey=K,ParameterValue=V", w)
		}
		return k, v, nil
	}
	k, v, found := strings.Cut(w, "=")
	if !found || k == "" {
		return "", "", fmt.Errorf("%q: want Key=Value", w)
	}
	for _, r := range k {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return "", "", fmt.Errorf("%q: parameter names are alphanumeric", w)
		}
	}
	return k, v, nil
}

// splitWords splits s at unquoted white space; quotes group and are removed.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// ParameterValue is one parameter as a change set gets it. Its JSON form
// (deploy --output json) masks the value and default of a NoEcho parameter.
type ParameterValue struct {
	Key string `json:"key"`
	// Value is what the stack will use: the override, the previous value
	// or the default.
	Value string `json:"value"`
	// Source says where Value comes from: "override", "previous" or
	// "default".
	Source string `json:"source"`
	// Default is the template's default ("" if none).
	Default string `json:"default"`
	// NoEcho hides Value (and Default) in what is printed.
	NoEcho bool `json:"no_echo"`
}

// Masked is what is printed instead of a NoEcho parameter's value, as
// CloudFormation itself shows it.
const Masked = "****"

// MarshalJSON masks a NoEcho parameter's value and default.
func (p ParameterValue) MarshalJSON() ([]byte, error) {
	type plain ParameterValue
	if p.NoEcho {
		if p.Value != "" {
			p.Value = Masked
		}
		if p.Default != "" {
			p.Default = Masked
		}
	}
	return json.Marshal(plain(p))
}

// Sources of a ParameterValue.
const (
	FromOverride = "override"
	FromPrevious = "previous"
	FromDefault  = "default"
)

// resolveParameters decides every parameter's value: an override, else
// (on update) the stack's current value, else the template default. An
// override the template does not declare, or a parameter without any value,
// is an error naming the fix.
func resolveParameters(t *Template, overrides, previous map[string]string) ([]ParameterValue, error) {
	var errs []error
	var out []ParameterValue
	for _, p := range t.Parameters() {
		pv := ParameterValue{Key: p.Name, Default: p.Default, NoEcho: p.NoEcho}
		if v, ok := overrides[p.Name]; ok {
			pv.Value, pv.Source = v, FromOverride
		} else if v, ok := previous[p.Name]; ok {
			pv.Value, pv.Source = v, FromPrevious
		} else if p.HasDefault {
			pv.Value, pv.Source = p.Default, FromDefault
		} else {
			errs = append(errs, fmt.Errorf("parameter %s has no default: pass --parameter-overrides %s=VALUE", p.Name, p.Name))
			continue
		}
		out = append(out, pv)
	}
	if err := CheckOverrides(t, overrides); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// CheckOverrides reports the overrides that t declares no parameter for,
// listing the ones it has.
func CheckOverrides(t *Template, overrides map[string]string) error {
	declared := map[string]bool{}
	var names []string
	for _, p := range t.Parameters() {
		declared[p.Name] = true
		names = append(names, p.Name)
	}
	var unknown []string
	for k := range overrides {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("--parameter-overrides: the template has no parameter %s; it has %s",
		strings.Join(unknown, ", "), strings.Join(names, ", "))
}
