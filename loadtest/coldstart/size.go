package coldstart

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// Share is the bytes attributed to one module or package.
type Share struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// Breakdown is where an unstripped binary's bytes go.
type Breakdown struct {
	// File is the binary's size; Symbols the bytes of sized symbols in
	// sections stored in the file (code, read-only data, data), which
	// Modules and Packages split. The rest is mostly the runtime's tables
	// (pclntab, function metadata) and ELF structure, which grow with the
	// code and vanish only partly with -s -w.
	File, Symbols int64
	Modules       []Share
	Packages      []Share
}

// Analyze attributes the symbols of the unstripped Go binary at path to
// packages, and the packages to the modules listed in its build info
// ("std" for the standard library, the main module by its path).
func Analyze(path string) (Breakdown, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return Breakdown{}, fmt.Errorf("read build info of %s: %w", path, err)
	}
	mods := []string{bi.Main.Path}
	for _, d := range bi.Deps {
		mods = append(mods, d.Path)
	}
	f, err := elf.Open(path)
	if err != nil {
		return Breakdown{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return Breakdown{}, fmt.Errorf("read symbols of %s (built with -s?): %w", path, err)
	}
	var b Breakdown
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS {
			b.File = max(b.File, int64(s.Offset+s.FileSize))
		}
	}
	pkgs := map[string]int64{}
	for _, s := range syms {
		if s.Size == 0 || int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
			continue
		}
		sec := f.Sections[s.Section]
		if sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		pkgs[symbolPackage(s.Name)] += int64(s.Size)
		b.Symbols += int64(s.Size)
	}
	byMod := map[string]int64{}
	for p, n := range pkgs {
		byMod[moduleOf(p, mods)] += n
	}
	b.Packages = sorted(pkgs)
	b.Modules = sorted(byMod)
	return b, nil
}

// symbolPackage returns the import path of a Go symbol's package:
// "github.com/aws/aws-sdk-go-v2/service/sqs" for
// "github.com/aws/aws-sdk-go-v2/service/sqs.(*Client).SendMessage", and for
// type, itab and closure symbols the package of the type or function named.
// Symbols of no package (go:string.*, runtime tables) give "(runtime data)".
func symbolPackage(name string) string {
	for _, p := range []string{"type:.eq.", "type:.hash.", "type:", "go:itab.", "go:info.", "go:link."} {
		name = strings.TrimPrefix(name, p)
	}
	name = strings.TrimLeft(name, "*")
	if strings.HasPrefix(name, "go:") || strings.HasPrefix(name, "go.") && !strings.Contains(name, "/") {
		return "(runtime data)"
	}
	if i := strings.IndexAny(name, "([,"); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		if slash < 0 {
			return "(runtime data)"
		}
		return name
	}
	return name[:slash+1+dot]
}

// moduleOf returns the module in mods that holds package p (the longest
// path prefix), or "std".
func moduleOf(p string, mods []string) string {
	best := ""
	for _, m := range mods {
		if (p == m || strings.HasPrefix(p, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	switch {
	case best != "":
		return best
	case strings.HasPrefix(p, "("):
		return p
	}
	return "std"
}

func sorted(m map[string]int64) []Share {
	out := make([]Share, 0, len(m))
	for k, v := range m {
		out = append(out, Share{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Name < out[j].Name
	})
	return out
}
