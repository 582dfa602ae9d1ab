package otlp

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed requests in testdata/")

// seedFiles are the fuzz seeds: serialized requests, named after their
// signal.
var seedFiles = map[string]func() []byte{
	"traces.binpb":  func() []byte { return newGen(11).request(Traces) },
	"metrics.binpb": func() []byte { return newGen(12).request(Metrics) },
	"logs.binpb":    func() []byte { return newGen(13).request(Logs) },
	// Unknown fields and groups, packed and unpacked repeated scalars, a
	// resource in two pieces, schema_url after the scopes.
	"traces-odd.binpb": func() []byte {
		return cat(varF(100, 7), lenF(1, lenF(1, lenF(1, strF(1, "a"))), strF(3, "u"),
			lenF(2, lenF(2, strF(5, "s"), group(20, varF(1, 1))), strF(3, "su")),
			lenF(1, lenF(1, strF(1, "b"))), lenF(77, []byte("x"))))
	},
	"metrics-odd.binpb": func() []byte {
		dp := lenF(1, fix64F(6, 1), lenF(6, protowire.AppendFixed64(nil, 2)), lenF(7, protowire.AppendFixed64(nil, 1)))
		return lenF(1, lenF(2, lenF(2, strF(1, "h"), lenF(9, dp, dp)), lenF(2, strF(1, "g"), lenF(5, lenF(1)), lenF(7, lenF(1), lenF(1)))))
	},
	"logs-nested.binpb": func() []byte {
		return lenF(1, lenF(2, lenF(2, lenF(5, nestedValue(maxDepth-2)))))
	},
}

// group is an unknown group field.
func group(num protowire.Number, content ...[]byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.StartGroupType)
	b = append(b, cat(content...)...)
	return protowire.AppendTag(b, num, protowire.EndGroupType)
}

func TestSeeds(t *testing.T) {
	for name, mk := range seedFiles {
		path := filepath.Join("testdata", name)
		if *updateSeeds {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, mk(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with go test -run TestSeeds -update-seeds)", err)
		}
		if _, err := Scan(seedSignal(name), b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := unmarshal(seedSignal(name), b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func seedSignal(name string) Signal {
	for _, s := range Signals {
		if strings.HasPrefix(name, s.String()) {
			return s
		}
	}
	return 0
}

type seed struct {
	sig  Signal
	data []byte
}

func seeds(f *testing.F) []seed {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.binpb"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds in testdata (%v)", err)
	}
	var out []seed
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, seed{seedSignal(filepath.Base(p)), b})
	}
	return out
}

// FuzzScan: Scan never panics; it rejects what proto.Unmarshal rejects;
// what it alone rejects is for a documented reason; its counts agree.
func FuzzScan(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(uint8(s.sig), s.data)
	}
	f.Fuzz(func(t *testing.T, sigN uint8, b []byte) {
		sig := Signal(sigN%3 + 1)
		st, err := Scan(sig, b)
		m, perr := unmarshal(sig, b)
		switch {
		case perr != nil && err == nil:
			t.Fatalf("proto.Unmarshal fails (%v), Scan accepts", perr)
		case perr == nil && err != nil:
			if e := err.Error(); !strings.Contains(e, "wire type") && !strings.Contains(e, "nested deeper") && !strings.Contains(e, "(or none)") {
				t.Fatalf("Scan fails (%v), proto.Unmarshal accepts", err)
			}
		case err == nil:
			tel := &telemetry{seqs: map[string][]string{}}
			tel.add(t, layouts[sig], m.ProtoReflect())
			if st.Resources != tel.resources || st.Scopes != tel.scopes || st.Items != tel.items {
				t.Fatalf("Stats %+v, decoded %d/%d/%d", st, tel.resources, tel.scopes, tel.items)
			}
		}
	})
}

// FuzzMerge: Merge and Split never panic, and on valid requests give
// valid batches with the same telemetry, within the limit.
func FuzzMerge(f *testing.F) {
	ss := seeds(f)
	for i, s := range ss {
		f.Add(uint8(s.sig), s.data, ss[(i+3)%len(ss)].data, uint16(200))
		f.Add(uint8(s.sig), s.data, s.data, uint16(0))
	}
	f.Fuzz(func(t *testing.T, sigN uint8, a, b []byte, maxBytes uint16) {
		sig := Signal(sigN%3 + 1)
		reqs := [][]byte{a, b, a}
		batches, err := Merge(sig, reqs, int(maxBytes))
		_, ea := Scan(sig, a)
		_, eb := Scan(sig, b)
		if ea == nil && eb == nil {
			if err != nil {
				t.Fatalf("Merge fails on valid requests: %v", err)
			}
			checkBatches(t, sig, reqs, batches, int(maxBytes), false)
		}
		parts, err := Split(sig, a, int(maxBytes))
		if ea == nil {
			if err != nil {
				t.Fatalf("Split fails on a valid request: %v", err)
			}
			if len(a) > int(maxBytes) && maxBytes > 0 {
				checkBatches(t, sig, [][]byte{a}, parts, int(maxBytes), false)
			}
		}
	})
}

// FuzzEnrich: Enrich never panics, and on a valid request adds exactly
// the missing attributes, idempotently.
func FuzzEnrich(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(uint8(s.sig), s.data, "cloud.region", "eu-west-1")
		f.Add(uint8(s.sig), s.data, "service.name", "")
	}
	f.Fuzz(func(t *testing.T, sigN uint8, b []byte, key, val string) {
		sig := Signal(sigN%3 + 1)
		attrs := []Attr{{Key: key, Str: val}, {Key: "aws.log.group.names", Strs: []string{val, key}}}
		orig := bytes.Clone(b)
		if _, err := Scan(sig, b); err != nil {
			out := Enrich(sig, b, attrs)
			if !bytes.Equal(b, orig) {
				t.Fatal("Enrich modified its input")
			}
			_ = out
			return
		}
		checkEnrich(t, sig, b, attrs)
		if !bytes.Equal(b, orig) {
			t.Fatal("Enrich modified its input")
		}
	})
}
