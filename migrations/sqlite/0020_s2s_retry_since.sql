-- Resending a dead S2S postback restarts its retry window (MaxAge counts from
-- retry_since when set, else from created_at).
ALTER TABLE s2s_outbox ADD COLUMN retry_since DATETIME;
