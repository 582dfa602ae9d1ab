package route

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

type stubSource struct {
	prefix string
}

func (s *stubSource) Collectors(context.Context) ([]Collector, error) {
	return []Collector{{Name: "from-secrets", Endpoint: "https://s"}}, nil
}

func TestFromEnv(t *testing.T) {
	ctx := context.Background()
	jsonDoc, _ := os.ReadFile("testdata/collectors.json")
	var gotPrefix string
	loader := func(prefix string) (Source, error) {
		gotPrefix = prefix
		return &stubSource{prefix: prefix}, nil
	}

	t.Run("inline", func(t *testing.T) {
		src, err := FromEnv(env(map[string]string{EnvCollectors: string(jsonDoc)}), loader)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := src.Collectors(ctx)
		if err != nil || !reflect.DeepEqual(cs, wantFixture) {
			t.Fatalf("got %v, %v", cs, err)
		}
		if got := fmt.Sprint(src); got != "environment variable OTLPFWD_COLLECTORS" {
			t.Fatalf("String = %q", got)
		}
	})
	t.Run("inline is parsed at once", func(t *testing.T) {
		_, err := FromEnv(env(map[string]string{EnvCollectors: `[{"name": "a"}]`}), nil)
		if err == nil || !strings.Contains(err.Error(), "OTLPFWD_COLLECTORS: ") || !strings.Contains(err.Error(), "endpoint: required") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("file", func(t *testing.T) {
		src, err := FromEnv(env(map[string]string{EnvCollectorsFile: "testdata/collectors.yaml"}), nil)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := src.Collectors(ctx)
		if err != nil || !reflect.DeepEqual(cs, wantFixture) {
			t.Fatalf("got %v, %v", cs, err)
		}
	})
	t.Run("secrets", func(t *testing.T) {
		src, err := FromEnv(env(map[string]string{EnvCollectorsSecretPrefix: "otlpfwd/collectors/"}), loader)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := src.(*stubSource); !ok || gotPrefix != "otlpfwd/collectors/" {
			t.Fatalf("src = %T, prefix %q", src, gotPrefix)
		}
	})
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		loader  SecretsLoader
		wantErr []string
	}{
		{"none", map[string]string{}, loader, []string{EnvCollectorsSecretPrefix, EnvCollectorsFile, EnvCollectors}},
		{"two", map[string]string{EnvCollectors: "[]", EnvCollectorsFile: "x"}, loader, []string{"OTLPFWD_COLLECTORS and OTLPFWD_COLLECTORS_FILE are all set"}},
		{"three", map[string]string{EnvCollectors: "[]", EnvCollectorsFile: "x", EnvCollectorsSecretPrefix: "p"}, loader, []string{"set exactly one"}},
		{"secrets unavailable", map[string]string{EnvCollectorsSecretPrefix: "p/"}, nil, []string{"Secrets Manager is not available"}},
		{"loader fails", map[string]string{EnvCollectorsSecretPrefix: "p/"},
			func(string) (Source, error) { return nil, errors.New("bad prefix") }, []string{"OTLPFWD_COLLECTORS_SECRET_PREFIX=p/: bad prefix"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromEnv(env(tc.vars), tc.loader)
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "collectors.yaml")
	src := FileSource{Path: path}
	if _, err := src.Collectors(context.Background()); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("missing file: err = %v", err)
	}
	if err := os.WriteFile(path, []byte("- name: a\n  endpoint: https://a\n  timeout: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := src.Collectors(context.Background())
	if err == nil || !strings.Contains(err.Error(), "collectors file "+path) || !strings.Contains(err.Error(), "bare number") {
		t.Fatalf("bad file: err = %v", err)
	}
	if err := os.WriteFile(path, []byte("- name: a\n  endpoint: https://a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cs, err := src.Collectors(context.Background())
	if err != nil || len(cs) != 1 || cs[0].Name != "a" {
		t.Fatalf("got %v, %v", cs, err)
	}
}

func TestStaticSourceCopies(t *testing.T) {
	src := StaticSource{{Name: "a", Endpoint: "https://a", Headers: Headers{"k": "v"}}}
	cs, _ := src.Collectors(context.Background())
	cs[0].Headers["k"] = "changed"
	if src[0].Headers["k"] != "v" {
		t.Fatal("StaticSource hands out its own maps")
	}
}
