-- One row per ledger transaction instead of one per entry (issue 14, posting at 40,000 rewards/s).
--
-- Every transaction the program writes is a move: one account debited, one credited, one amount
-- (LedgerTransaction.move). Stored as two entry rows, each with a sequence value and two secondary
-- index entries, it was most of what posting cost MariaDB per reward: about 6 of the 12 index changes,
-- and a third of purge's work after each batch. ledger_transfer holds the move once, clustered by its
-- reward (the one lookup the program makes: a reward's ledger lines, in order), with no secondary index.
-- Account balances are not read from here on any hot path (a reward's state implies them; the ledger
-- rules run on it at post time); an auditor's trial balance is a scan, as it was.
--
-- ledger_entry stays, as a view with the same columns: each transfer as its debit entry (id * 2,
-- +amount) and its credit entry (id * 2 + 1, -amount), so entry order is kept and every reader, report
-- and query written against entries reads the same rows as before.

-- Refuses to go on (a CHECK violation, before anything is changed) if a transaction written so far has other than
-- two entries: the pairing below would lose or double one. None does: every transaction the program wrote is a move.
CREATE OR REPLACE TABLE ledger_transfer_migration_check (
    every_transaction_has_two_entries INT NOT NULL PRIMARY KEY CHECK (every_transaction_has_two_entries = 1));
INSERT INTO ledger_transfer_migration_check
SELECT NOT EXISTS (SELECT 1 FROM ledger_entry GROUP BY txn_id HAVING COUNT(*) <> 2);
DROP TABLE ledger_transfer_migration_check;

CREATE TABLE ledger_transfer (
    reward_id      BIGINT       NOT NULL,
    id             BIGINT       NOT NULL,
    txn_id         VARCHAR(40)  NOT NULL,
    txn_kind       VARCHAR(16)  NOT NULL,
    unit_kind      VARCHAR(8)   NOT NULL,
    unit_code      VARCHAR(16)  NOT NULL,
    amount         BIGINT       NOT NULL,
    debit_type     VARCHAR(24)  NOT NULL,
    debit_owner    VARCHAR(80)  NOT NULL,
    credit_type    VARCHAR(24)  NOT NULL,
    credit_owner   VARCHAR(80)  NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (reward_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The entries written so far, paired by transaction: the first entry of each was its debit.
ALTER TABLE ledger_entry ADD INDEX ix_ledger_txn (txn_id, id);
INSERT INTO ledger_transfer (reward_id, id, txn_id, txn_kind, unit_kind, unit_code, amount, debit_type, debit_owner,
                             credit_type, credit_owner, created_at)
SELECT d.reward_id, d.id, d.txn_id, d.txn_kind, d.unit_kind, d.unit_code, d.amount, d.account_type, d.account_owner,
       c.account_type, c.account_owner, d.created_at
FROM ledger_entry d
JOIN ledger_entry c ON c.txn_id = d.txn_id AND c.id > d.id;

DROP TABLE ledger_entry;

CREATE VIEW ledger_entry AS
SELECT id * 2 AS id, txn_id, reward_id, txn_kind, debit_type AS account_type, debit_owner AS account_owner,
       unit_kind, unit_code, amount, created_at
FROM ledger_transfer
UNION ALL
SELECT id * 2 + 1, txn_id, reward_id, txn_kind, credit_type, credit_owner, unit_kind, unit_code, -amount, created_at
FROM ledger_transfer;
