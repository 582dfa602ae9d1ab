package route

import (
	"strings"
	"unicode/utf8"
)

// glob is a compiled log group pattern: '*' matches any run of characters
// ('/' included), '?' one character, anything else itself.
type glob struct {
	pattern string
	wild    bool
}

func compileGlob(p string) glob {
	return glob{pattern: p, wild: strings.ContainsAny(p, "*?")}
}

func (g glob) match(s string) bool {
	if !g.wild {
		return s == g.pattern
	}
	return globMatch(g.pattern, s)
}

// globMatch matches without allocating or recursing: on a mismatch it
// backtracks to the last '*' and lets it swallow one more character, which
// is linear in practice and O(len(p)*len(s)) at worst.
func globMatch(p, s string) bool {
	px, sx := 0, 0
	star, next := -1, 0 // last '*' in p, and where in s it resumes
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				star, next = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, n := utf8.DecodeRuneInString(s[sx:])
					px, sx = px+1, sx+n
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px, sx = px+1, sx+1
					continue
				}
			}
		}
		if star >= 0 && next < len(s) {
			_, n := utf8.DecodeRuneInString(s[next:])
			next += n
			px, sx = star+1, next
			continue
		}
		return false
	}
	return true
}

func anyGlob(gs []glob, s string) bool {
	for _, g := range gs {
		if g.match(s) {
			return true
		}
	}
	return false
}
