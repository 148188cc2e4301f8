-- Accrue schema, part 1: enrolled cards and the journal of card messages.
-- No column ever holds a PAN: cards are found by a keyed HMAC token (with the
-- key version that made it) and shown by their last four digits.
-- Hot tables take ids from pooled sequences (INCREMENT BY = Hibernate's
-- allocationSize) so inserts batch; IDENTITY would force one round trip a row.
-- NOCACHE: Galera refuses a cached sequence (error 1235); Hibernate's pooled
-- optimizer reads one value per block of INCREMENT BY ids, so a cache saves
-- nothing. (Databases made before this edit are rewritten by Store's
-- KnownRewrites and V19.)

CREATE SEQUENCE card_seq START WITH 1 INCREMENT BY 50 NOCACHE;
CREATE SEQUENCE card_message_seq START WITH 1 INCREMENT BY 1000 NOCACHE;
CREATE SEQUENCE processing_exception_seq START WITH 1 INCREMENT BY 50 NOCACHE;

CREATE TABLE card (
    id              BIGINT       NOT NULL PRIMARY KEY,
    public_id       VARCHAR(32)  NOT NULL,
    issuer_id       VARCHAR(16)  NOT NULL,
    pan_token       VARCHAR(64)  NOT NULL,
    key_version     SMALLINT     NOT NULL,
    last4           VARCHAR(4)   NOT NULL,
    account_ref     VARCHAR(64)  NOT NULL,
    last_name       VARCHAR(64)  NOT NULL,
    airline_program VARCHAR(16),
    airline_member  VARCHAR(32),
    status          VARCHAR(16)  NOT NULL,
    enrolled_at     DATETIME(6)  NOT NULL,
    unenrolled_at   DATETIME(6),
    row_version     BIGINT       NOT NULL,
    CONSTRAINT uk_card_public_id UNIQUE (public_id),
    CONSTRAINT uk_card_token UNIQUE (pan_token, key_version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_card_issuer ON card (issuer_id, id);

-- One row per distinct message key for an enrolled card. The unique key is
-- what makes a resend a duplicate and never a double.
CREATE TABLE card_message (
    id                  BIGINT       NOT NULL PRIMARY KEY,
    message_key         VARCHAR(64)  NOT NULL,
    mti                 VARCHAR(4)   NOT NULL,
    card_id             BIGINT       NOT NULL,
    pan_token           VARCHAR(64)  NOT NULL,
    key_version         SMALLINT     NOT NULL,
    processing_code     VARCHAR(6)   NOT NULL,
    amount_minor        BIGINT       NOT NULL,
    currency            VARCHAR(3)   NOT NULL,
    billing_amount_minor BIGINT,
    billing_currency    VARCHAR(3),
    transmitted         VARCHAR(10)  NOT NULL,
    stan                VARCHAR(6)   NOT NULL,
    local_time          VARCHAR(6),
    local_date          VARCHAR(4),
    mcc                 VARCHAR(4),
    pos_entry_mode      VARCHAR(3),
    acquirer_id         VARCHAR(11)  NOT NULL,
    rrn                 VARCHAR(12),
    auth_id             VARCHAR(6),
    terminal_id         VARCHAR(8)   NOT NULL,
    merchant_id         VARCHAR(15),
    acceptor_name       VARCHAR(25),
    acceptor_city       VARCHAR(13),
    acceptor_country    VARCHAR(2),
    tip_minor           BIGINT       NOT NULL,
    orig_mti            VARCHAR(4),
    orig_stan           VARCHAR(6),
    orig_transmitted    VARCHAR(10),
    orig_acquirer_id    VARCHAR(11),
    replacement_amount_minor BIGINT,
    response_code       VARCHAR(2)   NOT NULL,
    received_at         DATETIME(6)  NOT NULL,
    -- No foreign key to card: only the journal inserts here, with a card id it has just read, and cards are
    -- never deleted; the per-row check cost a fifth of the insert (bench/RESULTS.md).
    CONSTRAINT uk_card_message_key UNIQUE (message_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_card_message_card ON card_message (card_id, received_at);
CREATE INDEX ix_card_message_lifecycle ON card_message (pan_token, rrn, auth_id);

-- Processing exceptions for ops (first kind: a duplicate key with conflicting
-- content, answered 94). The same conflicting message sent again adds nothing.
CREATE TABLE processing_exception (
    id              BIGINT       NOT NULL PRIMARY KEY,
    type            VARCHAR(32)  NOT NULL,
    fingerprint     VARCHAR(64)  NOT NULL,
    message_key     VARCHAR(64),
    card_id         BIGINT,
    last4           VARCHAR(4),
    amount_minor    BIGINT,
    currency        VARCHAR(3),
    detail          VARCHAR(500) NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    CONSTRAINT uk_processing_exception UNIQUE (type, fingerprint)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_processing_exception_open ON processing_exception (status, created_at);

-- Messages for cards that are not enrolled are acknowledged and counted, not stored.
-- One row per day and journal writer: writers never wait on each other's row.
CREATE TABLE unenrolled_message_count (
    day         DATE     NOT NULL,
    writer      SMALLINT NOT NULL,
    messages    BIGINT   NOT NULL,
    PRIMARY KEY (day, writer)
) ENGINE=InnoDB;
