package secrets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// motoServer starts moto_server (MOTO_SERVER, PATH, or a pyenv install) on
// a free loopback port and returns its URL; it is killed when the test
// ends. The test is skipped when moto is not installed or under -short.
func motoServer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts moto_server; skipped with -short")
	}
	bin := os.Getenv("MOTO_SERVER")
	if bin == "" {
		bin, _ = exec.LookPath("moto_server")
	}
	if bin == "" {
		home, _ := os.UserHomeDir()
		found, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "*", "bin", "moto_server"))
		if len(found) > 0 {
			bin = found[len(found)-1]
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("moto_server not found, and CI must run this test (pip install 'moto[server]', or set MOTO_SERVER)")
		}
		t.Skip("moto_server not found (set MOTO_SERVER to its path); outside CI the test is skipped")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // its own process group
		<-exited
	})

	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(url + "/moto-api/")
		if err == nil {
			res.Body.Close()
			return url
		}
		select {
		case err := <-exited:
			t.Fatalf("moto_server exited: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30s\n%s", url, logs.String())
		}
	}
}

func motoClient(url string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
}

// TestMoto runs the Source against moto's Secrets Manager: the real SDK,
// the real wire protocol, pagination past 100 secrets.
func TestMoto(t *testing.T) {
	url := motoServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sm := motoClient(url)
	create := func(name, value string) {
		t.Helper()
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}); err != nil {
			t.Fatalf("CreateSecret %s: %v", name, err)
		}
	}

	const n = 105 // more than one page of ListSecrets
	var want []string
	for i := range n {
		name := fmt.Sprintf("c%03d", i)
		create(prefix+name, fmt.Sprintf(`{"endpoint": "https://%s.example", "headers": {"authorization": "Bearer k-%d"}}`, name, i))
		want = append(want, name)
	}
	create(prefix+"yaml", "endpoint: http://127.0.0.1:4318\nsignals: [logs]\nplain_logs: true\n")
	want = append(want, "yaml")
	create("otlpfwd/collectors-other", `{"endpoint": "https://not-ours"}`)
	create("other/otlpfwd/collectors/x", `{"endpoint": "https://not-ours"}`)
	create("OTLPFWD/COLLECTORS/upper", `{"endpoint": "https://not-ours"}`)

	src, err := NewSource(sm, prefix, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Collectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d collectors %v\nwant %d %v", len(got), got, len(want), want)
	}
	if cs[7].Headers["authorization"] != "Bearer k-7" || !cs[n].PlainLogs {
		t.Fatalf("values not read: %+v %+v", cs[7], cs[n])
	}

	// A bad secret under another prefix: named, not quoted.
	create("otlpfwd/bad/one", `{"endpoint": "https://x", "headers": {"authorization": "Bearer MOTO-SECRET"}, "timeout": 5}`)
	src, _ = NewSource(sm, "otlpfwd/bad/", Options{})
	_, err = src.Collectors(ctx)
	if err == nil || !strings.Contains(err.Error(), `secret "otlpfwd/bad/one": collector "one": timeout: 5 is a bare number`) ||
		strings.Contains(err.Error(), "MOTO-SECRET") {
		t.Fatalf("bad secret: %v", err)
	}

	// A secret scheduled for deletion is no longer a collector.
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(prefix + "yaml")}); err != nil {
		t.Fatal(err)
	}
	src, _ = NewSource(sm, prefix, Options{})
	cs, err = src.Collectors(ctx)
	if err != nil || len(cs) != n {
		t.Fatalf("after DeleteSecret: %d collectors, %v", len(cs), err)
	}

	// Nothing under a prefix is an error.
	src, _ = NewSource(sm, "nothing/here/", Options{})
	if _, err := src.Collectors(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("empty prefix: %v", err)
	}
}
