// Package faults holds Kite's fault tests: real kite processes on a private
// Redis and a private PostgreSQL, under a steady click and postback load,
// while Redis or Postgres is stopped, a node is signalled, or the S2S
// receiver goes away. The tests carry the build tag `faults` (they need
// bin/kite, redis-server and PostgreSQL's binaries, and take minutes):
//
//	make build && go test -tags faults -run . -v -timeout 40m ./test/faults/
//
// scripts/faults.sh does exactly that; docs/reliability.md lists the verdicts.
package faults
