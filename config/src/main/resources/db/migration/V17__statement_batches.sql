-- A statement file no longer claims its credits by updating them. Before, the statement-file job set a million
-- READY credits to FILED with their file id in one UPDATE: 13 of the 14.5 s of a 1,000,000-credit file (measured
-- 2026-12-02, bench/RESULTS.md), and it grew with the day's volume. Now every credit is written once, insert-only,
-- into its issuer's open batch (statement_batch.open_batch, read under a shared lock by the posting transaction);
-- the file job closes the batch (one row: open_batch + 1, which waits for the posting transactions that hold it)
-- and writes the credits of the batches it closed into one file (statement_file.batch_from .. batch_to), then
-- moves statement_filing.filed_through. A credit is filed when its batch is at or below filed_through; its file is
-- the file whose batch range holds its batch. Claiming a file is two one-row updates whatever its size.
--
-- statement_credit.status keeps only what a credit is at insert: TO_FILE (goes into its batch's file) or NETTED
-- (netted to nothing against a clawback; never in a file). file_id and filed_at move to statement_file.

CREATE TABLE statement_batch (
    issuer_id   VARCHAR(16) NOT NULL PRIMARY KEY,
    open_batch  BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Apart from statement_batch so that writing a file (seconds) never holds the row posting takes a shared lock on.
CREATE TABLE statement_filing (
    issuer_id      VARCHAR(16) NOT NULL PRIMARY KEY,
    filed_through  BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE statement_file
    ADD COLUMN batch_from BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN batch_to   BIGINT NOT NULL DEFAULT 0;
ALTER TABLE statement_credit ADD COLUMN batch BIGINT NOT NULL DEFAULT 0;

-- Files written before: one batch each, numbered per issuer in the order they were written.
UPDATE statement_file f
    JOIN (SELECT file_id, ROW_NUMBER() OVER (PARTITION BY issuer_id ORDER BY created_at, file_date, seq) AS n
          FROM statement_file) o ON o.file_id = f.file_id
SET f.batch_from = o.n, f.batch_to = o.n;
UPDATE statement_credit s JOIN statement_file f ON f.file_id = s.file_id SET s.batch = f.batch_from;

INSERT INTO statement_filing (issuer_id, filed_through)
SELECT issuer_id, MAX(batch_to) FROM statement_file GROUP BY issuer_id;
INSERT INTO statement_filing (issuer_id, filed_through)
SELECT DISTINCT s.issuer_id, 0 FROM statement_credit s
WHERE NOT EXISTS (SELECT 1 FROM statement_filing g WHERE g.issuer_id = s.issuer_id);
INSERT INTO statement_batch (issuer_id, open_batch) SELECT issuer_id, filed_through + 1 FROM statement_filing;

-- Credits not yet in a file go into their issuer's open batch; netted ones too (they are never filed).
UPDATE statement_credit s JOIN statement_batch b ON b.issuer_id = s.issuer_id
SET s.batch = b.open_batch WHERE s.status <> 'FILED';
UPDATE statement_credit SET status = 'TO_FILE' WHERE status IN ('READY', 'FILED');

ALTER TABLE statement_credit
    DROP INDEX ix_statement_credit_issuer,
    DROP COLUMN file_id,
    DROP COLUMN filed_at,
    ADD INDEX ix_statement_credit_batch (issuer_id, batch, credit_id);
CREATE INDEX ix_statement_file_batches ON statement_file (issuer_id, batch_to);
