-- Punches and threshold spend of an authorization that never clears (a follow-up of issue 17): an authorization
-- (01xx) counts toward punch cards and spend thresholds at once, as before, and clears_by is when its clearing is due
-- (when it was received plus the clearing window: when its rewards would expire). A financial message's rows, and
-- the negative spend rows of refunds and reversals, have none. The matcher's sweep takes the rows past clears_by:
-- when a clearing of the authorization came, clears_by is set NULL and they stay; when none came, the punch is
-- removed and the spend taken back as a full reversal would (removed_by and message_id 0: no message, the sweep),
-- a threshold bonus reversed if the period's spend falls below it, and clears_by set NULL. Rows written before V30
-- have no clears_by and are not looked at again.
ALTER TABLE punch ADD COLUMN clears_by DATETIME(6) NULL, ADD INDEX ix_punch_clears_by (clears_by);
ALTER TABLE bonus_spend ADD COLUMN clears_by DATETIME(6) NULL, ADD INDEX ix_bonus_spend_clears_by (clears_by);
