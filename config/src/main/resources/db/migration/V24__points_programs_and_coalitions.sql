-- Points programs per issuer and coalition points (issue 17 items 2 and 6). Owners: points.PointsPrograms (the
-- program tables), points.Points (vouchers issued, expiry warnings), coalition.Coalitions (the coalition tables).
-- V23, V25.. are other branches' numbers.
--
-- A program belongs to one issuer (issuer_id); its code names its points (reward.unit_code, offers' "program").
-- Programs from accrue.points.* are not stored here: they are loaded from the configuration at start.
CREATE TABLE points_program (
    program                   VARCHAR(16)  NOT NULL PRIMARY KEY,
    issuer_id                 VARCHAR(16)  NOT NULL,
    name                      VARCHAR(80)  NOT NULL,
    currency                  CHAR(3)      NOT NULL,
    points_per_unit           INT          NOT NULL,  -- base earn: points per major unit of currency, 0: offers only
    cash_minor_per_1000       BIGINT       NOT NULL,  -- statement credit: minor units of currency per 1,000 points
    expiry_kind               VARCHAR(16)  NOT NULL,  -- ROLLING_MONTHS, END_OF_YEAR, END_OF_QUARTER
    expiry_count              INT          NOT NULL,  -- months; or whole years / quarters after the one of earning
    min_redemption            BIGINT       NOT NULL,
    warning_days              INT          NOT NULL,
    created_at                DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_points_program_issuer ON points_program (issuer_id);

-- Bonus categories: a purchase in one of these MCCs earns this rate instead of the base one.
CREATE TABLE points_program_bonus (
    program          VARCHAR(16)  NOT NULL,
    mcc              CHAR(4)      NOT NULL,
    points_per_unit  INT          NOT NULL,
    PRIMARY KEY (program, mcc)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Miles transfer: the airline programs this points program transfers to, at its own rate.
CREATE TABLE points_program_airline (
    program               VARCHAR(16)  NOT NULL,
    airline               VARCHAR(16)  NOT NULL,
    miles_per_1000_points BIGINT       NOT NULL,
    PRIMARY KEY (program, airline)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The voucher catalogue: a partner's voucher of a face value for a price in points.
CREATE TABLE points_voucher (
    program        VARCHAR(16)  NOT NULL,
    voucher_id     VARCHAR(32)  NOT NULL,
    partner        VARCHAR(64)  NOT NULL,
    face_minor     BIGINT       NOT NULL,
    currency       CHAR(3)      NOT NULL,
    points_price   BIGINT       NOT NULL,
    PRIMARY KEY (program, voucher_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A voucher redemption's code (ids.Ids: letters only), beside its points_redemption row.
ALTER TABLE points_redemption ADD COLUMN voucher_id VARCHAR(32) NULL, ADD COLUMN voucher_code VARCHAR(32) NULL;

-- points.expiring sent: one row per card, program and expiry date, so a lot is warned of once.
CREATE TABLE points_expiry_warning (
    card_id      BIGINT       NOT NULL,
    program      VARCHAR(16)  NOT NULL,
    expires_on   DATE         NOT NULL,
    points       BIGINT       NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (card_id, program, expires_on)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Coalitions: members (a merchant, fuel chain, delivery partner...) each with its points program and the agreed
-- cash value of 1,000 of its points when they are redeemed at another member.
CREATE TABLE coalition (
    coalition_id  VARCHAR(32)  NOT NULL PRIMARY KEY,
    name          VARCHAR(80)  NOT NULL,
    currency      CHAR(3)      NOT NULL,
    created_at    DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE coalition_member (
    coalition_id          VARCHAR(32)  NOT NULL,
    member_id             VARCHAR(24)  NOT NULL,
    name                  VARCHAR(80)  NOT NULL,
    program               VARCHAR(16)  NULL,      -- the member's points program (null: it only redeems)
    cash_minor_per_1000   BIGINT       NOT NULL,  -- agreed value of 1,000 of its points, coalition currency
    PRIMARY KEY (coalition_id, member_id),
    CONSTRAINT uk_coalition_program UNIQUE (coalition_id, program)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A cross-member redemption: points of the earning member's program spent at the redeeming member; the reward
-- (reward_public_id) carries the ledger. settlement_id is set when a settlement takes it.
CREATE TABLE coalition_redemption (
    redemption_key    VARCHAR(96)  NOT NULL PRIMARY KEY,
    coalition_id      VARCHAR(32)  NOT NULL,
    earning_member    VARCHAR(24)  NOT NULL,
    redeeming_member  VARCHAR(24)  NOT NULL,
    card_id           BIGINT       NOT NULL,
    program           VARCHAR(16)  NOT NULL,
    points            BIGINT       NOT NULL,
    amount_minor      BIGINT       NOT NULL,
    currency          CHAR(3)      NOT NULL,
    reward_public_id  VARCHAR(32)  NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    settlement_id     VARCHAR(32)  NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_coalition_redemption_open ON coalition_redemption (coalition_id, settlement_id, created_at);

-- What one member owes another for a period: the period's redemptions of the debtor's points at the creditor.
CREATE TABLE coalition_settlement (
    settlement_id     VARCHAR(32)  NOT NULL PRIMARY KEY,
    coalition_id      VARCHAR(32)  NOT NULL,
    debtor_member     VARCHAR(24)  NOT NULL,
    creditor_member   VARCHAR(24)  NOT NULL,
    period_start      DATE         NOT NULL,
    period_end        DATE         NOT NULL,  -- exclusive
    redemptions       INT          NOT NULL,
    points            BIGINT       NOT NULL,
    amount_minor      BIGINT       NOT NULL,
    currency          CHAR(3)      NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    CONSTRAINT uk_coalition_settlement UNIQUE (coalition_id, debtor_member, creditor_member, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
