-- Matching in parallel (issue 13). One matcher worker on one connection kept one MariaDB thread busy and the other
-- core mostly idle (mariadbd 87%, the node's JVM 25% while a backlog drained). Each queue row now carries its lane,
-- card_id % 8 (RewardMatcher.LANES), and each worker takes only its own lanes, so a card's messages always go through
-- one worker, in id order, as before, while two cards' may be matched side by side. The index serves each worker's
-- "oldest due rows of lane L" without touching other lanes' rows (and so without locking them).
ALTER TABLE match_queue
    ADD COLUMN lane TINYINT UNSIGNED NOT NULL DEFAULT 0,
    ADD INDEX ix_match_queue_lane (lane, message_id);

-- Rows queued before this migration: their card's lane.
UPDATE match_queue q JOIN card_message m ON m.id = q.message_id SET q.lane = m.card_id % 8;
