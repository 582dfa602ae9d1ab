// Package peakmem measures the memory the Lambda bootstraps need for a
// maximal batch (issue 8: a 6 MB batch within a 128 MB Lambda, peak heap
// well under 100 MB). Each bootstrap, built as for Lambda, gets one 6 MB
// Kinesis event from a fake Runtime API: ingest a batch of CloudWatch Logs
// subscription records (synth.KinesisBatch), writing to a fake Kinesis;
// export a batch of tier-2 records, sending to a sink. The process's peak
// RSS (VmHWM) is read after its answer, the Go heap from GODEBUG=gctrace=1
// and, in a second build with a sampling goroutine added by overlay, from
// runtime/metrics every millisecond.
package peakmem
