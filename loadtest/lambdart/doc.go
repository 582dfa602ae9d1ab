// Package lambdart is a fake AWS Lambda Runtime API: the HTTP server a
// custom runtime's bootstrap polls for events
// (/2018-06-01/runtime/invocation/next) and answers
// (/invocation/{id}/response or /error, /init/error). It hands out a fixed
// list of events and records when each call arrived, so that a test can
// time a bootstrap from exec to its first poll (ready) and to its first
// answer, and read the answers. It binds 127.0.0.1.
package lambdart
