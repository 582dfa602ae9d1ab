// Package record defines the tier-2 record: the contract between the ingest
// Lambda, which writes it to the export stream, and the export Lambda, which
// reads it.
//
// A record carries the payloads of one collector and one signal. Its
// encoding is a 4-byte header, "OTF" and a version byte, followed by a
// protobuf-wire message (so fields can be added without breaking readers):
//
//	version 1
//	record:
//	  1  collector   string   collector name (route.Collector.Name)
//	  2  signal      varint   1 traces, 2 metrics, 3 logs
//	  3  item        bytes    repeated, see below
//	  4  header      bytes    repeated {1 name string, 2 value string}: record
//	                          headers the collector allows (pass_headers)
//	  5  created_ms  varint   when ingest wrote the record, Unix ms
//	item:
//	  1  payload     bytes    one OTLP Export*ServiceRequest, protobuf
//	  2  encoding    varint   0 identity, 1 gzip (one gzip member), 2 S2 block
//	  3  raw_size    varint   payload size uncompressed
//	  4  items       varint   spans, metric data points or log records
//	  5  source      string   service name from the envelope
//	  6  log_group   string
//	  7  log_stream  string
//	  8  owner       string   AWS account id of the log group
//	  9  region      string
//	 10  shard       string   raw-stream shard the payload came from
//	 11  seq         string   raw-stream sequence number
//	 12  time_ms     varint   CloudWatch Logs event timestamp, Unix ms
//
// For a collector in passthrough mode, payloads are stored as written by the
// application (gzip), so export forwards them without inflating. For one in
// merge mode, whose requests export inflates and rewrites, they are stored
// S2-compressed, which inflates about ten times faster than gzip. The
// resource enrichment (log group, stream, account, region) travels beside
// the payload and export applies it when it rewrites the request.
package record
