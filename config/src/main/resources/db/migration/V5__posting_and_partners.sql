-- Accrue schema, part 5: what the scheduled jobs write. Posting turns
-- AVAILABLE cashback into statement credits (one row per credit id, unique
-- forever); the statement-file job claims READY credits into one file per
-- issuer; clawbacks of rewards refunded after sending wait here until they are
-- sent as debits or netted; miles accruals and their reversals keep the
-- idempotency key and body they are sent with; every job run is recorded.

-- Points are spent oldest first (redemption and expiry): how much of this reward is gone.
ALTER TABLE reward ADD COLUMN consumed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reward ADD COLUMN sent_at DATETIME(6) NULL;
CREATE INDEX ix_reward_card_unit ON reward (card_id, unit_kind, status, purchased_at);

-- The airline member behind a card: validated at enrollment and before the first accrual.
ALTER TABLE card ADD COLUMN airline_member_status VARCHAR(24) NULL;
ALTER TABLE card ADD COLUMN airline_validated_at DATETIME(6) NULL;
-- The tier the tiers job last computed (the matcher computes the same rule live at match time).
ALTER TABLE card ADD COLUMN tier VARCHAR(16) NULL;
ALTER TABLE card ADD COLUMN tier_computed_at DATETIME(6) NULL;

CREATE TABLE statement_credit (
    credit_id       VARCHAR(40)  NOT NULL PRIMARY KEY,
    reward_id       BIGINT       NOT NULL,
    kind            VARCHAR(8)   NOT NULL,
    issuer_id       VARCHAR(16)  NOT NULL,
    card_id         BIGINT       NOT NULL,
    account_ref     VARCHAR(64)  NOT NULL,
    last4           VARCHAR(4)   NOT NULL,
    gross_amount    BIGINT       NOT NULL,
    netted          BIGINT       NOT NULL,
    amount          BIGINT       NOT NULL,
    currency        VARCHAR(3)   NOT NULL,
    statement_text  VARCHAR(22)  NOT NULL,
    offer_id        VARCHAR(64)  NOT NULL,
    purchase_date   DATE         NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    file_id         VARCHAR(64),
    outcome         VARCHAR(20),
    created_at      DATETIME(6)  NOT NULL,
    filed_at        DATETIME(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_statement_credit_ready ON statement_credit (issuer_id, status, credit_id);
CREATE INDEX ix_statement_credit_file ON statement_credit (file_id, credit_id);
CREATE INDEX ix_statement_credit_card ON statement_credit (card_id, filed_at);
CREATE INDEX ix_statement_credit_reward ON statement_credit (reward_id);

CREATE TABLE statement_file (
    file_id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    issuer_id     VARCHAR(16)  NOT NULL,
    file_date     DATE         NOT NULL,
    seq           INT          NOT NULL,
    file_name     VARCHAR(120) NOT NULL,
    path          VARCHAR(1000) NOT NULL,
    credit_count  INT          NOT NULL,
    amount_sum    BIGINT       NOT NULL,
    sha256        VARCHAR(64)  NOT NULL,
    encrypted     BOOLEAN      NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    CONSTRAINT uk_statement_file_seq UNIQUE (issuer_id, file_date, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A refund after a reward was sent: what the cardholder owes back, until it is sent as a debit or netted.
CREATE TABLE clawback (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    reward_id   BIGINT       NOT NULL,
    card_id     BIGINT       NOT NULL,
    issuer_id   VARCHAR(16)  NOT NULL,
    funder      VARCHAR(80)  NOT NULL,
    unit_kind   VARCHAR(8)   NOT NULL,
    unit_code   VARCHAR(16)  NOT NULL,
    amount      BIGINT       NOT NULL,
    remaining   BIGINT       NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    settled_at  DATETIME(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_clawback_open ON clawback (status, issuer_id, card_id);

-- One row per call the partner must see exactly once: the accrual (reversal_no 0) and its reversals
-- (Idempotency-Key <accrual id>-R<n>). The body is stored so every retry sends the same bytes.
CREATE TABLE miles_accrual (
    accrual_id      VARCHAR(24)  NOT NULL,
    reversal_no     INT          NOT NULL,
    reward_id       BIGINT       NOT NULL,
    card_id         BIGINT       NOT NULL,
    program         VARCHAR(16)  NOT NULL,
    miles           BIGINT       NOT NULL,
    activity_date   DATE         NOT NULL,
    description     VARCHAR(40)  NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    attempts        INT          NOT NULL,
    confirmation    VARCHAR(100),
    problem         VARCHAR(200),
    created_at      DATETIME(6)  NOT NULL,
    updated_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (accrual_id, reversal_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_miles_accrual_due ON miles_accrual (status, program, created_at);
CREATE INDEX ix_miles_accrual_reward ON miles_accrual (reward_id);

CREATE TABLE points_redemption (
    redemption_id   VARCHAR(64)  NOT NULL PRIMARY KEY,
    card_id         BIGINT       NOT NULL,
    program         VARCHAR(16)  NOT NULL,
    points          BIGINT       NOT NULL,
    target          VARCHAR(20)  NOT NULL,
    reward_public_id VARCHAR(32) NOT NULL,
    created_at      DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_points_redemption_card ON points_redemption (card_id, created_at);

CREATE TABLE merchant_invoice (
    invoice_id    VARCHAR(80)   NOT NULL PRIMARY KEY,
    merchant_id   VARCHAR(64)   NOT NULL,
    period_start  DATE          NOT NULL,
    period_end    DATE          NOT NULL,
    file_name     VARCHAR(120)  NOT NULL,
    body          TEXT          NOT NULL,
    created_at    DATETIME(6)   NOT NULL,
    CONSTRAINT uk_merchant_invoice UNIQUE (merchant_id, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE job_run (
    run_id        VARCHAR(40)   NOT NULL PRIMARY KEY,
    job_name      VARCHAR(32)   NOT NULL,
    requested_by  VARCHAR(64)   NOT NULL,
    node          VARCHAR(120),
    status        VARCHAR(16)   NOT NULL,
    summary       VARCHAR(2000),
    created_at    DATETIME(6)   NOT NULL,
    started_at    DATETIME(6),
    finished_at   DATETIME(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_job_run_job ON job_run (job_name, created_at);

-- Exceptions now also come from partners and files: miles programs are units too, and each has an issuer.
ALTER TABLE processing_exception MODIFY currency VARCHAR(16);
ALTER TABLE processing_exception ADD COLUMN issuer_id VARCHAR(16) NULL;
