package otlphttp

import (
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// fakeClock is a settable clock shared by a Client and its fake timer.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeTimer fires at once, advancing the fake clock by the wait, and
// records every wait. onStart, if set, runs instead of firing.
type fakeTimer struct {
	clock   *fakeClock
	waits   []time.Duration
	ch      chan time.Time
	onStart func(d time.Duration) (fire bool)
}

var _ backoff.Timer = (*fakeTimer)(nil)

func (f *fakeTimer) Start(d time.Duration) {
	f.waits = append(f.waits, d)
	if f.onStart != nil && !f.onStart(d) {
		return
	}
	f.clock.Advance(d)
	f.ch <- f.clock.Now()
}
func (f *fakeTimer) Stop()               {}
func (f *fakeTimer) C() <-chan time.Time { return f.ch }

// newFakeClient returns a Client on a fake clock whose retry waits do not
// sleep, and the timer that records them.
func newFakeClient(o Options, clock *fakeClock) (*Client, *fakeTimer) {
	o.Now = clock.Now
	c := NewClient(o)
	ft := &fakeTimer{clock: clock, ch: make(chan time.Time, 1)}
	c.newTimer = func() backoff.Timer { return ft }
	return c, ft
}

// server is an httptest server that counts connections and requests.
type server struct {
	*httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// received is what a handler saw of one request.
type received struct {
	method, path, contentType, contentEncoding, userAgent string
	header                                                http.Header
	body                                                  []byte
}

func readRequest(r *http.Request) received {
	b, _ := io.ReadAll(r.Body)
	return received{
		method: r.Method, path: r.URL.Path,
		contentType: r.Header.Get("Content-Type"), contentEncoding: r.Header.Get("Content-Encoding"),
		userAgent: r.Header.Get("User-Agent"), header: r.Header.Clone(), body: b,
	}
}

// Protobuf messages of the OTLP collector responses and google.rpc.Status,
// built from descriptors at run time so that the test encodes with the
// real protobuf library rather than with the code under test.
var (
	protoOnce  sync.Once
	protoFiles *protoregistry.Files
	protoErr   error
)

func descriptors(t testing.TB) *protoregistry.Files {
	t.Helper()
	protoOnce.Do(func() {
		_ = anypb.Any{} // registers google/protobuf/any.proto
		optional := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
		repeated := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		scalar := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto {
			return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: optional, Type: typ.Enum()}
		}
		msgField := func(name string, num int32, typeName string, label *descriptorpb.FieldDescriptorProto_Label) *descriptorpb.FieldDescriptorProto {
			return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: label,
				Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(typeName)}
		}
		var msgs []*descriptorpb.DescriptorProto
		for _, s := range []struct{ prefix, count string }{
			{"ExportTrace", "rejected_spans"}, {"ExportMetrics", "rejected_data_points"}, {"ExportLogs", "rejected_log_records"},
		} {
			msgs = append(msgs,
				&descriptorpb.DescriptorProto{Name: proto.String(s.prefix + "PartialSuccess"), Field: []*descriptorpb.FieldDescriptorProto{
					scalar(s.count, 1, descriptorpb.FieldDescriptorProto_TYPE_INT64),
					scalar("error_message", 2, descriptorpb.FieldDescriptorProto_TYPE_STRING),
				}},
				&descriptorpb.DescriptorProto{Name: proto.String(s.prefix + "ServiceResponse"), Field: []*descriptorpb.FieldDescriptorProto{
					msgField("partial_success", 1, ".otlptest."+s.prefix+"PartialSuccess", optional),
				}},
			)
		}
		msgs = append(msgs, &descriptorpb.DescriptorProto{Name: proto.String("Status"), Field: []*descriptorpb.FieldDescriptorProto{
			scalar("code", 1, descriptorpb.FieldDescriptorProto_TYPE_INT32),
			scalar("message", 2, descriptorpb.FieldDescriptorProto_TYPE_STRING),
			msgField("details", 3, ".google.protobuf.Any", repeated),
		}})
		fdp := &descriptorpb.FileDescriptorProto{
			Name: proto.String("otlptest/responses.proto"), Package: proto.String("otlptest"),
			Syntax: proto.String("proto3"), Dependency: []string{"google/protobuf/any.proto"},
			MessageType: msgs,
		}
		fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
		if err != nil {
			protoErr = err
			return
		}
		protoFiles = new(protoregistry.Files)
		protoErr = protoFiles.RegisterFile(fd)
	})
	if protoErr != nil {
		t.Fatalf("build test descriptors: %v", protoErr)
	}
	return protoFiles
}

func newMessage(t testing.TB, name string) *dynamicpb.Message {
	t.Helper()
	d, err := descriptors(t).FindDescriptorByName(protoreflect.FullName("otlptest." + name))
	if err != nil {
		t.Fatal(err)
	}
	return dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
}

// exportResponse builds an Export*ServiceResponse with a partial success.
func exportResponse(t testing.TB, sig otlp.Signal, rejected int64, msg string) *dynamicpb.Message {
	t.Helper()
	prefix := map[otlp.Signal]string{otlp.Traces: "ExportTrace", otlp.Metrics: "ExportMetrics", otlp.Logs: "ExportLogs"}[sig]
	resp := newMessage(t, prefix+"ServiceResponse")
	ps := newMessage(t, prefix+"PartialSuccess")
	fields := ps.Descriptor().Fields()
	ps.Set(fields.ByNumber(1), protoreflect.ValueOfInt64(rejected))
	ps.Set(fields.ByNumber(2), protoreflect.ValueOfString(msg))
	resp.Set(resp.Descriptor().Fields().ByNumber(1), protoreflect.ValueOfMessage(ps))
	return resp
}

// rpcStatus builds a google.rpc.Status with one detail.
func rpcStatus(t testing.TB, code int32, msg string) *dynamicpb.Message {
	t.Helper()
	st := newMessage(t, "Status")
	f := st.Descriptor().Fields()
	st.Set(f.ByNumber(1), protoreflect.ValueOfInt32(code))
	st.Set(f.ByNumber(2), protoreflect.ValueOfString(msg))
	detail, err := anypb.New(durationpb.New(3 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	list := st.Mutable(f.ByNumber(3)).List()
	list.Append(protoreflect.ValueOfMessage(detail.ProtoReflect()))
	return st
}

func marshalProto(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func marshalJSON(t testing.TB, m proto.Message, protoNames bool) []byte {
	t.Helper()
	b, err := protojson.MarshalOptions{UseProtoNames: protoNames}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTLSServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
