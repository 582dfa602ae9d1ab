package otlp

import (
	"fmt"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The wire walkers (Scan, Enrich, Merge) read a compact table of the OTLP
// messages, built once from the generated descriptors so that it follows
// the proto definitions instead of being typed by hand.

// kind is what a field holds on the wire, as far as validation cares.
type kind uint8

const (
	kindNone    kind = iota // not in the schema: an unknown field, skipped
	kindVarint              // int32, int64, uint32, uint64, sint32, sint64, bool, enum
	kindFixed32             // fixed32, sfixed32, float
	kindFixed64             // fixed64, sfixed64, double
	kindBytes               // bytes
	kindString              // string: must be valid UTF-8
	kindMessage             // a nested message
	kindTraceID             // bytes: a trace id, empty or 16 bytes
	kindSpanID              // bytes: a span id, empty or 8 bytes
)

// role says what an occurrence of a field counts towards in Stats.
type role uint8

const (
	roleNone     role = iota
	roleResource      // a ResourceSpans, ResourceMetrics or ResourceLogs
	roleScope         // a ScopeSpans, ScopeMetrics or ScopeLogs
	roleItem          // a span, a metric data point or a log record
)

// field describes one field number of a message.
type field struct {
	kind   kind
	packed bool // a repeated scalar: the packed form is accepted too
	role   role
	count  bool // in the message's counting oneof (Metric.data)
	oneof  int  // 1 + the index of the field's oneof; 0 when in none
	kv     bool // msg is KeyValue: Scan tries its fast path first
	msg    *message
	name   string // the proto field name, for error paths
	list   bool   // repeated: error paths give the index
}

// slot is the part of a field that Scan's inner loop reads, packed small.
type slot struct {
	kind  kind
	flags uint8
	msg   *message
}

const (
	slotPacked   uint8 = 1 << iota // field.packed
	slotCount                      // field.count
	slotItem                       // role item
	slotResource                   // role resource
	slotScope                      // role scope
	slotNested                     // msg is nested (AnyValue)
	slotKeyValue                   // msg is KeyValue
)

// message describes one message type.
type message struct {
	name   protoreflect.FullName
	slots  []slot  // fields, as Scan reads them
	fields []field // indexed by field number; kindNone where there is none
	nested bool    // AnyValue (the type of KeyValue.value): nesting is capped at maxDepth
	items  bool    // it, or a message below it, has a roleItem field
}

// lookup returns the field numbered num, or nil when m has none.
func (m *message) lookup(num protowire.Number) *field {
	if num < protowire.Number(len(m.fields)) {
		if f := &m.fields[num]; f.kind != kindNone {
			return f
		}
	}
	return nil
}

// accepts reports whether typ is a wire type the field may have.
func (f *field) accepts(typ protowire.Type) bool {
	switch f.kind {
	case kindVarint:
		return typ == protowire.VarintType || (f.packed && typ == protowire.BytesType)
	case kindFixed32:
		return typ == protowire.Fixed32Type || (f.packed && typ == protowire.BytesType)
	case kindFixed64:
		return typ == protowire.Fixed64Type || (f.packed && typ == protowire.BytesType)
	}
	return typ == protowire.BytesType
}

// layout is the shape of one signal's request: the fields Merge and Enrich
// walk, all length-delimited.
type layout struct {
	request   *message
	rxMsg     *message         // ResourceSpans, ResourceMetrics or ResourceLogs
	sxMsg     *message         // ScopeSpans, ScopeMetrics or ScopeLogs
	resourceX protowire.Number // request -> ResourceX (resource_spans...)
	resource  protowire.Number // ResourceX -> Resource
	scopeX    protowire.Number // ResourceX -> ScopeX (scope_spans...)
	item      protowire.Number // ScopeX -> Span, Metric or LogRecord
	itemMsg   *message         // Span, Metric or LogRecord
	itemTag   byte             // the one-byte tag of an item field
	// names of the fields above, for error paths
	resourceName, scopeName, itemName string
	// the item (a Metric) holds the items (data points) further down
	deep bool
}

// Attribute nesting (AnyValue in ArrayValue or KeyValueList) deeper than
// this is rejected, well below protobuf's own limit of 10,000, so that a
// hostile payload cannot make the walkers recurse deeply.
const maxDepth = 64

// attrFields are the field numbers of attributes that Enrich writes
// (Resource.attributes, KeyValue.key and .value, AnyValue.string_value and
// .array_value, ArrayValue.values) and Scan's fast path reads (the scalar
// members of AnyValue). All are below 16, so their tags are one byte.
type attrFields struct {
	attributes, key, value, stringValue, arrayValue, values protowire.Number
	boolValue, intValue, doubleValue                        protowire.Number
}

var layouts, attrNums = buildLayouts()

func buildLayouts() ([4]*layout, attrFields) {
	b := schemaBuilder{msgs: map[protoreflect.FullName]*message{}}
	var out [4]*layout
	traces := (&coltrace.ExportTraceServiceRequest{}).ProtoReflect().Descriptor()
	out[Traces] = b.layout(traces, "resource_spans", "scope_spans", "spans", false)
	out[Metrics] = b.layout((&colmetrics.ExportMetricsServiceRequest{}).ProtoReflect().Descriptor(), "resource_metrics", "scope_metrics", "metrics", true)
	out[Logs] = b.layout((&collogs.ExportLogsServiceRequest{}).ProtoReflect().Descriptor(), "resource_logs", "scope_logs", "log_records", false)
	var a attrFields
	resource := traces.Fields().ByNumber(out[Traces].resourceX).Message().Fields().ByNumber(out[Traces].resource).Message()
	kv := b.number(resource, "attributes", &a.attributes)
	b.number(kv, "key", &a.key)
	anyValue := b.number(kv, "value", &a.value)
	b.number(anyValue, "string_value", &a.stringValue)
	b.number(anyValue, "bool_value", &a.boolValue)
	b.number(anyValue, "int_value", &a.intValue)
	b.number(anyValue, "double_value", &a.doubleValue)
	array := b.number(anyValue, "array_value", &a.arrayValue)
	b.number(array, "values", &a.values)
	if kv != nil && anyValue != nil {
		b.message(anyValue).nested = true
		b.markKeyValue(b.message(kv))
	}
	b.slots()
	if b.err != nil {
		// The generated code is linked in: a mismatch is a programming
		// error caught by every test, never a property of the input.
		panic("otlp: schema: " + b.err.Error())
	}
	return out, a
}

// markKeyValue flags the fields that hold a KeyValue.
func (b *schemaBuilder) markKeyValue(kv *message) {
	for _, m := range b.msgs {
		for i := range m.fields {
			if m.fields[i].msg == kv {
				m.fields[i].kv = true
			}
		}
	}
}

// slots builds the tables Scan reads from the fields.
func (b *schemaBuilder) slots() {
	for _, m := range b.msgs {
		m.slots = make([]slot, len(m.fields))
		for i, f := range m.fields {
			sl := slot{kind: f.kind, msg: f.msg}
			if f.packed {
				sl.flags |= slotPacked
			}
			if f.count {
				sl.flags |= slotCount
			}
			switch f.role {
			case roleItem:
				sl.flags |= slotItem
			case roleResource:
				sl.flags |= slotResource
			case roleScope:
				sl.flags |= slotScope
			}
			if f.msg != nil && f.msg.nested {
				sl.flags |= slotNested
			}
			if f.kv {
				sl.flags |= slotKeyValue
			}
			m.slots[i] = sl
		}
	}
}

// number stores the number of field name of md in num and returns the
// field's message type, if it has one.
func (b *schemaBuilder) number(md protoreflect.MessageDescriptor, name string, num *protowire.Number) protoreflect.MessageDescriptor {
	if md == nil {
		b.fail("no message for field %s", name)
		return nil
	}
	fd := md.Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		b.fail("%s has no field %s", md.FullName(), name)
		return nil
	}
	if fd.Number() >= 16 {
		b.fail("%s: field number %d needs a two-byte tag", fd.FullName(), fd.Number())
	}
	*num = fd.Number()
	return fd.Message()
}

type schemaBuilder struct {
	msgs map[protoreflect.FullName]*message
	err  error
}

func (b *schemaBuilder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf(format, args...)
	}
}

// layout builds the table for a request type and marks the containers and
// items. For metrics the items are the data_points of each Metric's data.
func (b *schemaBuilder) layout(req protoreflect.MessageDescriptor, resourceX, scopeX, item string, metrics bool) *layout {
	l := &layout{request: b.message(req), resourceName: resourceX, scopeName: scopeX, itemName: item}
	rx := b.child(l.request, req, resourceX, roleResource, &l.resourceX)
	if rx == nil {
		return l
	}
	l.rxMsg = b.message(rx)
	b.child(l.rxMsg, rx, "resource", roleNone, &l.resource)
	sx := b.child(l.rxMsg, rx, scopeX, roleScope, &l.scopeX)
	if sx == nil {
		return l
	}
	l.sxMsg = b.message(sx)
	it := b.child(l.sxMsg, sx, item, roleNone, &l.item)
	if it == nil {
		return l
	}
	l.itemMsg = b.message(it)
	l.itemTag = byte(protowire.EncodeTag(l.item, protowire.BytesType))
	if !metrics {
		l.sxMsg.fields[l.item].role = roleItem
		b.markItems()
		return l
	}
	// Metric: the members of the oneof "data" hold data_points.
	l.deep = true
	data := it.Oneofs().ByName("data")
	if data == nil {
		b.fail("%s has no oneof data", it.FullName())
		return l
	}
	for i := 0; i < data.Fields().Len(); i++ {
		fd := data.Fields().Get(i)
		dm := fd.Message()
		if dm == nil {
			b.fail("%s is not a message", fd.FullName())
			continue
		}
		dp := dm.Fields().ByName("data_points")
		if dp == nil || dp.Kind() != protoreflect.MessageKind || !dp.IsList() {
			b.fail("%s has no repeated data_points", dm.FullName())
			continue
		}
		b.message(dm).fields[dp.Number()].role = roleItem
	}
	b.markItems()
	return l
}

// child finds the length-delimited message field name of md, gives it role
// and stores its number in num.
func (b *schemaBuilder) child(m *message, md protoreflect.MessageDescriptor, name string, r role, num *protowire.Number) protoreflect.MessageDescriptor {
	fd := md.Fields().ByName(protoreflect.Name(name))
	if fd == nil || fd.Kind() != protoreflect.MessageKind {
		b.fail("%s has no message field %s", md.FullName(), name)
		return nil
	}
	if fd.Number() >= 16 {
		// Merge writes the container tags as one byte.
		b.fail("%s: field number %d needs a two-byte tag", fd.FullName(), fd.Number())
	}
	*num = fd.Number()
	m.fields[fd.Number()].role = r
	return fd.Message()
}

// message returns the table entry of md, building it (and every message it
// refers to) on first use.
func (b *schemaBuilder) message(md protoreflect.MessageDescriptor) *message {
	if m, ok := b.msgs[md.FullName()]; ok {
		return m
	}
	m := &message{name: md.FullName()}
	b.msgs[md.FullName()] = m
	fds := md.Fields()
	top := 0
	for i := 0; i < fds.Len(); i++ {
		top = max(top, int(fds.Get(i).Number()))
	}
	if top > 1024 {
		b.fail("%s: field number %d is too large for a dense table", md.FullName(), top)
		return m
	}
	m.fields = make([]field, top+1)
	for i := 0; i < fds.Len(); i++ {
		fd := fds.Get(i)
		f := &m.fields[fd.Number()]
		f.name = string(fd.Name())
		f.list = fd.IsList()
		if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
			f.oneof = o.Index() + 1
		}
		if fd.IsMap() {
			b.fail("%s: maps are not supported", fd.FullName())
		}
		switch fd.Kind() {
		case protoreflect.BoolKind, protoreflect.EnumKind,
			protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Uint32Kind,
			protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Uint64Kind:
			f.kind = kindVarint
		case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
			f.kind = kindFixed32
		case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
			f.kind = kindFixed64
		case protoreflect.BytesKind:
			// The Collector (pdata) refuses a whole request with 400 when
			// an id is neither empty nor of its size, so Scan must too:
			// one such payload would poison a merged batch.
			switch fd.Name() {
			case "trace_id":
				f.kind = kindTraceID
			case "span_id", "parent_span_id":
				f.kind = kindSpanID
			default:
				f.kind = kindBytes
			}
		case protoreflect.StringKind:
			// proto3 (and editions, by default) require valid UTF-8, and
			// Go's proto.Unmarshal enforces it; proto2 does not.
			f.kind = kindString
			if fd.ParentFile().Syntax() == protoreflect.Proto2 {
				f.kind = kindBytes
			}
		case protoreflect.MessageKind:
			f.kind = kindMessage
			f.msg = b.message(fd.Message())
		default:
			b.fail("%s: kind %v is not supported", fd.FullName(), fd.Kind())
		}
		f.packed = f.list && f.kind >= kindVarint && f.kind <= kindFixed64
	}
	return m
}

// markItems sets message.items on every message from which a roleItem field
// can be reached, and marks the members of a oneof that leads there: only
// the last member set survives decoding, so only its items count. At most
// one oneof per message may lead to items.
func (b *schemaBuilder) markItems() {
	defer b.markCounting()
	for changed := true; changed; {
		changed = false
		for _, m := range b.msgs {
			if m.items {
				continue
			}
			for i := range m.fields {
				f := &m.fields[i]
				if f.role == roleItem || (f.msg != nil && f.msg.items) {
					m.items = true
					changed = true
					break
				}
			}
		}
	}
}

func (b *schemaBuilder) markCounting() {
	for _, m := range b.msgs {
		counting := 0
		for i := range m.fields {
			f := &m.fields[i]
			if f.oneof == 0 || !(f.role == roleItem || (f.msg != nil && f.msg.items)) {
				continue
			}
			if counting != 0 && counting != f.oneof {
				b.fail("%s: two oneofs lead to items", m.name)
			}
			counting = f.oneof
		}
		for i := range m.fields {
			m.fields[i].count = counting != 0 && m.fields[i].oneof == counting
		}
	}
}
