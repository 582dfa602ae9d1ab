package lambdart

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExecFloor builds the floor bootstrap and runs two invocations of it
// under the fake Runtime API: it must poll, answer both with no failures,
// and be measured.
func TestExecFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "../coldstart/floor")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ev := []byte(`{"Records":[]}`)
	run, err := Exec(context.Background(), Invoke{Binary: bin, Env: []string{"AWS_REGION=us-east-1"}, Events: [][]byte{ev, ev}})
	if err != nil {
		t.Fatal(err)
	}
	if run.Ready <= 0 || run.Total < run.Ready || run.Mem.HWM <= 0 || len(run.Results) != 2 {
		t.Fatalf("run = %+v", run)
	}
	for i, r := range run.Results {
		if r.Err || !strings.Contains(string(r.Body), `"batchItemFailures":null`) {
			t.Errorf("result %d: err %v body %s", i, r.Err, r.Body)
		}
	}
	t.Logf("ready %v, two invocations done %v, HWM %d kB", run.Ready, run.Total, run.Mem.HWM>>10)
}

// TestServerHold: the poll for the held event waits until Release.
func TestServerHold(t *testing.T) {
	srv, err := Start(Options{Events: [][]byte{[]byte("{}"), []byte("{}")}, Hold: true, HoldAt: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	next := "http://" + srv.Addr() + "/2018-06-01/runtime/invocation/next"
	resp, err := http.Get(next)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	if id == "" || resp.Header.Get("Lambda-Runtime-Deadline-Ms") == "" {
		t.Fatalf("headers %v", resp.Header)
	}
	answered := make(chan struct{})
	go func() {
		r, err := http.Get(next)
		if err == nil {
			r.Body.Close()
		}
		close(answered)
	}()
	<-srv.Held()
	select {
	case <-answered:
		t.Fatal("the held poll was answered before Release")
	case <-time.After(50 * time.Millisecond):
	}
	srv.Release()
	<-answered
	post, err := http.Post("http://"+srv.Addr()+"/2018-06-01/runtime/invocation/"+id+"/response", "application/json", strings.NewReader(`{"ok":1}`))
	if err != nil || post.StatusCode != http.StatusAccepted {
		t.Fatalf("post response: %v %v", post, err)
	}
	if r := <-srv.Results(); string(r.Body) != `{"ok":1}` || r.Err || r.Done.Before(r.Sent) {
		t.Fatalf("result %+v", r)
	}
}

// TestExecInitError: a bootstrap that exits at start is reported with its
// output.
func TestExecInitError(t *testing.T) {
	_, err := Exec(context.Background(), Invoke{Binary: "/bin/false"})
	if err == nil || !strings.Contains(err.Error(), "exited before polling") {
		t.Fatalf("Exec(/bin/false) = %v", err)
	}
}
