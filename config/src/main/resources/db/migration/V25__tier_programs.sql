-- Tier programs per issuer and each card's tier state (issue 17 item 3). V21, V23 and V24 are left free for
-- migrations of other branches.
--
-- tier_program: an issuer's own program (one per issuer); issuers without one use the default program of the
-- configuration (accrue.rewards.tiers / tier-currency). measure: SPEND (cleared spend in currency, minor units),
-- POINTS (bank points earned and cleared) or COUNT (cleared purchases); qualifying_window: TRAILING_12_MONTHS or
-- CALENDAR_YEAR (UTC years; a year's qualification holds for the rest of that year and all of the next).
CREATE TABLE tier_program (
    issuer_id          VARCHAR(16)  NOT NULL PRIMARY KEY,
    name               VARCHAR(32)  NOT NULL,
    measure            VARCHAR(8)   NOT NULL,
    currency           VARCHAR(3),
    qualifying_window  VARCHAR(24)  NOT NULL,
    grace_days         INT          NOT NULL,
    updated_at         DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A program's tiers: the measure a card must reach (minor units, points or purchases) for each.
CREATE TABLE tier_program_level (
    issuer_id   VARCHAR(16)  NOT NULL,
    tier        VARCHAR(16)  NOT NULL,
    threshold   BIGINT       NOT NULL,
    PRIMARY KEY (issuer_id, tier)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A card's tier now (NULL: none), since when, its progress in the program's measure over the current window, the
-- next tier and the gap to it, and a pending downgrade (to downgrade_to, NULL = no tier) once the grace period ends.
-- Written by the matcher (upgrades, progress) and the tiers job (recomputed from the store, grace, downgrades).
CREATE TABLE card_tier (
    card_id                 BIGINT       NOT NULL PRIMARY KEY,
    program                 VARCHAR(32)  NOT NULL,
    tier                    VARCHAR(16),
    since                   DATETIME(6),
    progress                BIGINT       NOT NULL,
    period_start            DATE         NOT NULL,
    next_tier               VARCHAR(16),
    gap                     BIGINT,
    downgrade_pending_until DATETIME(6),
    downgrade_to            VARCHAR(16),
    computed_at             DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
