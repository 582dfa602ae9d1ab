package coldstart

import (
	"bufio"
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Init is one package's initialization as GODEBUG=inittrace=1 reports it.
type Init struct {
	Package string
	// At is when it started, since the process started; Clock how long
	// it took.
	At, Clock time.Duration
	Bytes     int64
	Allocs    int64
}

// initLine matches "init PKG @0.58 ms, 0.010 ms clock, 0 bytes, 0 allocs".
var initLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs`)

// ParseInitTrace reads the init lines of a GODEBUG=inittrace=1 run's
// stderr, in the order they ran. Other lines are skipped.
func ParseInitTrace(stderr []byte) []Init {
	var out []Init
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := initLine.FindSubmatch(sc.Bytes())
		if m == nil {
			continue
		}
		at, _ := strconv.ParseFloat(string(m[2]), 64)
		clock, _ := strconv.ParseFloat(string(m[3]), 64)
		bytes, _ := strconv.ParseInt(string(m[4]), 10, 64)
		allocs, _ := strconv.ParseInt(string(m[5]), 10, 64)
		out = append(out, Init{Package: string(m[1]), At: ms(at), Clock: ms(clock), Bytes: bytes, Allocs: allocs})
	}
	return out
}

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

// InitSummary sums one run's package inits.
type InitSummary struct {
	// Packages initialized; Clock the sum of their init times; End when
	// the last one finished (main starts about then), since process start.
	Packages int
	Clock    time.Duration
	End      time.Duration
	Bytes    int64
	Allocs   int64
	// Top are the slowest inits, slowest first.
	Top []Init
	// Modules sums init clock per module (grouped like the size
	// breakdown), slowest first.
	Modules []ModuleInit
}

// ModuleInit is the init time of one module's packages.
type ModuleInit struct {
	Module string
	Clock  time.Duration
	Allocs int64
}

// Summarize sums inits; mods are the binary's module paths (see Analyze)
// and top the number of slowest packages kept.
func Summarize(inits []Init, mods []string, top int) InitSummary {
	var s InitSummary
	byMod := map[string]*ModuleInit{}
	for _, in := range inits {
		s.Packages++
		s.Clock += in.Clock
		s.Bytes += in.Bytes
		s.Allocs += in.Allocs
		s.End = max(s.End, in.At+in.Clock)
		m := moduleOf(in.Package, mods)
		if byMod[m] == nil {
			byMod[m] = &ModuleInit{Module: m}
		}
		byMod[m].Clock += in.Clock
		byMod[m].Allocs += in.Allocs
	}
	sorted := append([]Init(nil), inits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Clock > sorted[j].Clock })
	s.Top = sorted[:min(top, len(sorted))]
	for _, m := range byMod {
		s.Modules = append(s.Modules, *m)
	}
	sort.Slice(s.Modules, func(i, j int) bool {
		if s.Modules[i].Clock != s.Modules[j].Clock {
			return s.Modules[i].Clock > s.Modules[j].Clock
		}
		return s.Modules[i].Module < s.Modules[j].Module
	})
	return s
}
