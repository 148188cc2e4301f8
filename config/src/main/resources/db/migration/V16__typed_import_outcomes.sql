-- A confirmation file's lines per outcome were stored as Java's Map.toString() on confirmation_import
-- ("{MATCHED=3, REJECTED=1}") and as "MATCHED=3,REJECTED=1" on confirmation_part. Both are now a JSON object keyed by
-- outcome name ({"MATCHED":3,"REJECTED":1}), read back into confirmations.OutcomeCounts; the rows already stored are
-- rewritten here, and the columns take nothing else. Outcome names are A-Z and _, counts digits, so the rewrite
-- only quotes each name and turns "=" into ":".
UPDATE confirmation_import
   SET outcomes = REGEXP_REPLACE(REPLACE(outcomes, ', ', ','), '([A-Z_]+)=', '"\\1":')
 WHERE outcomes IS NOT NULL;
UPDATE confirmation_part
   SET outcomes = CONCAT('{', REGEXP_REPLACE(outcomes, '([A-Z_]+)=', '"\\1":'), '}');
ALTER TABLE confirmation_import ADD CONSTRAINT ck_confirmation_import_outcomes_json
    CHECK (outcomes IS NULL OR JSON_VALID(outcomes));
ALTER TABLE confirmation_part ADD CONSTRAINT ck_confirmation_part_outcomes_json
    CHECK (JSON_VALID(outcomes));
