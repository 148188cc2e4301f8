-- Accrue schema, part 7: confirmation files and their outcomes, and the
-- exceptions queue ops work through. Each confirmation file received is one
-- confirmation_import row, whatever became of it (applied, rejected whole,
-- or a replay that changed nothing). What the issuer confirmed is kept on the
-- credit itself, with the credit's one reconciliation outcome. Every action
-- on an exception is an exception_audit row: who, when, why.

CREATE TABLE confirmation_import (
    import_id        VARCHAR(40)   NOT NULL PRIMARY KEY,
    issuer_id        VARCHAR(16)   NOT NULL,
    source           VARCHAR(16)   NOT NULL,
    original_name    VARCHAR(200),
    received_by      VARCHAR(64)   NOT NULL,
    encrypted        BOOLEAN       NOT NULL,
    sha256           VARCHAR(64),
    file_id          VARCHAR(64),
    answers_file_id  VARCHAR(64),
    status           VARCHAR(16)   NOT NULL,
    reason           VARCHAR(32),
    detail           VARCHAR(500),
    line_count       BIGINT,
    amount_sum       BIGINT,
    outcomes         VARCHAR(1000),
    received_at      DATETIME(6)   NOT NULL,
    finished_at      DATETIME(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_confirmation_import_sha ON confirmation_import (issuer_id, sha256);
CREATE INDEX ix_confirmation_import_file ON confirmation_import (issuer_id, file_id);

ALTER TABLE statement_credit ADD COLUMN confirmed_status VARCHAR(10) NULL;
ALTER TABLE statement_credit ADD COLUMN confirmed_account_ref VARCHAR(64) NULL;
ALTER TABLE statement_credit ADD COLUMN confirmed_amount BIGINT NULL;
ALTER TABLE statement_credit ADD COLUMN confirmed_currency VARCHAR(3) NULL;
ALTER TABLE statement_credit ADD COLUMN confirmed_reason VARCHAR(24) NULL;
ALTER TABLE statement_credit ADD COLUMN posted_date DATE NULL;
ALTER TABLE statement_credit ADD COLUMN confirmation_import_id VARCHAR(40) NULL;
ALTER TABLE statement_credit ADD COLUMN reconciled_at DATETIME(6) NULL;
CREATE INDEX ix_statement_credit_unconfirmed ON statement_credit (issuer_id, status, outcome, filed_at);

ALTER TABLE processing_exception ADD COLUMN credit_id VARCHAR(40) NULL;
ALTER TABLE processing_exception ADD COLUMN reward_id BIGINT NULL;
ALTER TABLE processing_exception ADD COLUMN assignee VARCHAR(64) NULL;
ALTER TABLE processing_exception ADD COLUMN resolution VARCHAR(24) NULL;
ALTER TABLE processing_exception ADD COLUMN resolution_reason VARCHAR(500) NULL;
ALTER TABLE processing_exception ADD COLUMN resolved_by VARCHAR(64) NULL;
ALTER TABLE processing_exception ADD COLUMN resolved_at DATETIME(6) NULL;
ALTER TABLE processing_exception ADD COLUMN proposed_action VARCHAR(24) NULL;
ALTER TABLE processing_exception ADD COLUMN proposed_reason VARCHAR(500) NULL;
ALTER TABLE processing_exception ADD COLUMN proposed_by VARCHAR(64) NULL;
CREATE INDEX ix_processing_exception_queue ON processing_exception (status, type, created_at);

CREATE TABLE exception_audit (
    id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    exception_id  BIGINT        NOT NULL,
    action        VARCHAR(24)   NOT NULL,
    actor         VARCHAR(64)   NOT NULL,
    reason        VARCHAR(500),
    detail        VARCHAR(500),
    at            DATETIME(6)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_exception_audit ON exception_audit (exception_id, at);

-- What each confirmation file said, line by line, and the outcome each line got. Loaded in bulk from the
-- validated file, then classified and applied set-wise in the import's transaction.
CREATE TABLE confirmation_line (
    import_id     VARCHAR(40)  NOT NULL,
    line_no       BIGINT       NOT NULL,
    kind          VARCHAR(1)   NOT NULL,
    credit_id     VARCHAR(40),
    account_ref   VARCHAR(64),
    amount        BIGINT,
    currency      VARCHAR(3),
    status        VARCHAR(10),
    reason        VARCHAR(24),
    posted_date   DATE,
    outcome       VARCHAR(20),
    judged        VARCHAR(20),
    PRIMARY KEY (import_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_confirmation_line_credit ON confirmation_line (import_id, credit_id);
