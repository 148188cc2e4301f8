-- Accrue schema, part 3: rewards, the double-entry ledger, and the matching
-- outbox. The journal adds a match_queue row for every stored message in the
-- same transaction (outbox); the matcher takes rows off it in its own
-- transaction together with the rewards and ledger rows it writes, so a
-- message is matched exactly once across crashes and restarts.

CREATE SEQUENCE reward_seq START WITH 1 INCREMENT BY 50 NOCACHE;
CREATE SEQUENCE ledger_entry_seq START WITH 1 INCREMENT BY 50 NOCACHE;

-- Kept small (the matcher drains it continuously) and cheap to insert into: the journal writes only the
-- message id; no secondary index (the matcher scans it in primary key order).
CREATE TABLE match_queue (
    message_id  BIGINT      NOT NULL PRIMARY KEY,
    not_before  DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00',
    attempts    INT         NOT NULL DEFAULT 0
) ENGINE=InnoDB;

CREATE TABLE reward (
    id                 BIGINT       NOT NULL PRIMARY KEY,
    public_id          VARCHAR(32)  NOT NULL,
    card_id            BIGINT       NOT NULL,
    issuer_id          VARCHAR(16)  NOT NULL,
    offer_id           VARCHAR(64)  NOT NULL,
    merchant_id        VARCHAR(64),
    source_message_id  BIGINT       NOT NULL,
    lifecycle_key      VARCHAR(100) NOT NULL,
    rrn_key            VARCHAR(80),
    unit_kind          VARCHAR(8)   NOT NULL,
    unit_code          VARCHAR(16)  NOT NULL,
    amount             BIGINT       NOT NULL,
    original_amount    BIGINT       NOT NULL,
    base_minor         BIGINT       NOT NULL,
    remaining_base     BIGINT       NOT NULL,
    base_currency      VARCHAR(3)   NOT NULL,
    purchase_minor     BIGINT       NOT NULL,
    funder             VARCHAR(80)  NOT NULL,
    status             VARCHAR(16)  NOT NULL,
    purchased_at       DATETIME(6)  NOT NULL,
    local_date         DATE         NOT NULL,
    cleared_at         DATETIME(6),
    return_period_days INT          NOT NULL,
    updated_at         DATETIME(6)  NOT NULL,
    CONSTRAINT uk_reward_public_id UNIQUE (public_id),
    CONSTRAINT uk_reward_purchase_offer UNIQUE (lifecycle_key, offer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_reward_card ON reward (card_id, offer_id, local_date);
CREATE INDEX ix_reward_rrn ON reward (rrn_key);
CREATE INDEX ix_reward_due ON reward (status, cleared_at);
CREATE INDEX ix_reward_offer ON reward (offer_id, status);

-- Rows are only ever added. A transaction's entries share txn_id and balance per unit.
CREATE TABLE ledger_entry (
    id             BIGINT       NOT NULL PRIMARY KEY,
    txn_id         VARCHAR(40)  NOT NULL,
    reward_id      BIGINT       NOT NULL,
    txn_kind       VARCHAR(16)  NOT NULL,
    account_type   VARCHAR(24)  NOT NULL,
    account_owner  VARCHAR(80)  NOT NULL,
    unit_kind      VARCHAR(8)   NOT NULL,
    unit_code      VARCHAR(16)  NOT NULL,
    amount         BIGINT       NOT NULL,
    created_at     DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_ledger_account ON ledger_entry (account_type, account_owner, unit_kind, unit_code);
CREATE INDEX ix_ledger_reward ON ledger_entry (reward_id);

-- Why each stored purchase earned what it did, or nothing: "why didn't I earn".
CREATE TABLE match_outcome (
    message_id    BIGINT        NOT NULL PRIMARY KEY,
    card_id       BIGINT        NOT NULL,
    merchant_id   VARCHAR(64),
    resolution    VARCHAR(12)   NOT NULL,
    purchased_at  DATETIME(6)   NOT NULL,
    earned        INT           NOT NULL,
    detail        VARCHAR(2000) NOT NULL,
    created_at    DATETIME(6)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_match_outcome_card ON match_outcome (card_id, merchant_id, purchased_at);

-- Offers that need activation: when each card activated each offer (a later activation renews it).
CREATE TABLE offer_activation (
    card_id       BIGINT      NOT NULL,
    offer_id      VARCHAR(64) NOT NULL,
    activated_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (card_id, offer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
