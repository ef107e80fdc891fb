-- Catch-up after an S2S receiver outage: when a delivery to a host succeeds,
-- the worker pulls that host's rows waiting on backoff forward to now.
-- host: lower-cased hostname of url, written by the worker when it records a
-- failed attempt (only a row that failed can wait on backoff; rows without it
-- are simply not pulled forward).
-- retry_wait: 1 while the row waits on a backoff, 0 once claimed (a claimed
-- row's next_attempt_at is a lease, which must never be pulled forward).
ALTER TABLE s2s_outbox ADD COLUMN host TEXT;
ALTER TABLE s2s_outbox ADD COLUMN retry_wait INTEGER NOT NULL DEFAULT 0;
CREATE INDEX s2s_outbox_host_wait_idx ON s2s_outbox (status, host, next_attempt_at) WHERE retry_wait = 1;
