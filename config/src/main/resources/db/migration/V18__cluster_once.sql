-- N nodes, one store (issue 15 item 2): what must happen once happens once, whichever node does it.

-- Arrival order. Message ids come from card_message_seq in blocks of 1000 per journal writer, so across nodes (and
-- writers) they are not in the order messages arrived: a refund stored on node B got a lower id than its purchase
-- stored earlier on node A, was matched first, found nothing to reduce, and the purchase then earned in full.
-- seq is given by the store when the row is inserted (AUTO_INCREMENT), so a message stored after another committed
-- has a higher seq whatever node stored it. (Under a multi-primary Galera cluster auto_increment_offset interleaves
-- nodes' values: the order holds when the messages' writes go to one primary.)
ALTER TABLE card_message
    ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT,
    ADD CONSTRAINT uk_card_message_seq UNIQUE (seq);

-- The queue is taken lane by lane in seq order (the message's seq, copied when the outbox row is written).
ALTER TABLE match_queue ADD COLUMN seq BIGINT NULL;
-- A row whose message is gone gets 0: taken first, and quarantined by the matcher as before.
UPDATE match_queue q LEFT JOIN card_message m ON m.id = q.message_id SET q.seq = coalesce(m.seq, 0);
ALTER TABLE match_queue
    MODIFY seq BIGINT NOT NULL,
    ADD INDEX ix_match_queue_lane_seq (lane, seq),
    DROP INDEX ix_match_queue_lane;

-- One row per queue lane (RewardMatcher.LANES, card_id % 8). A matcher worker locks the rows of the lanes it takes
-- (FOR UPDATE SKIP LOCKED) for its batch's transaction: one worker in the whole cluster matches a lane at a time, so
-- a card's messages go through one worker, in seq order, and a card's caps are read and spent by one transaction.
CREATE TABLE match_lane (
    lane TINYINT UNSIGNED NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO match_lane (lane) VALUES (0), (1), (2), (3), (4), (5), (6), (7);

-- A scheduled run is recorded with the fire time it was scheduled for; two nodes that both fire one (a trigger
-- replaced while another node had it, two schedulers of one JVM) insert one row: the second insert fails on the key
-- and that node does not run the job. Requested and recovered runs have none (NULLs never collide).
ALTER TABLE job_run
    ADD COLUMN scheduled_at DATETIME(6) NULL,
    ADD CONSTRAINT uk_job_run_fire UNIQUE (job_name, scheduled_at);
