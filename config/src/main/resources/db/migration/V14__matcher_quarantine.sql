-- The matcher's quarantine (issue 12). A queued message that makes matching fail is tried alone; each time it fails
-- alone (its own fault, not the store's) it is charged one failure and waits before the next try, so the batches
-- around it go on. After RewardMatcher.FAILURES_MAX failures it leaves the queue as one MATCH_QUARANTINED processing
-- exception that names it (message_id), which ops see masked and can RETRY (back into the queue) or WRITE_OFF.
-- `attempts` keeps its meaning (a reversal waiting for its original); `failures` is only ever failures.
ALTER TABLE match_queue ADD COLUMN failures INT NOT NULL DEFAULT 0;

ALTER TABLE processing_exception ADD COLUMN message_id BIGINT NULL;
CREATE INDEX ix_processing_exception_message ON processing_exception (message_id);
