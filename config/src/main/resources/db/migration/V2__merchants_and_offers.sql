-- Accrue schema, part 2: the offer catalog. Merchants and offers are kept as
-- their validated JSON definition (the same document the admin API and
-- `accrue offers import` take), with the columns queries need beside it.
-- The matching engine loads the whole catalog into memory.

CREATE TABLE merchant (
    merchant_id  VARCHAR(64)  NOT NULL PRIMARY KEY,
    name         VARCHAR(200) NOT NULL,
    definition   TEXT         NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    row_version  BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One MID belongs to one merchant: the unique key refuses a second claim.
CREATE TABLE merchant_mid (
    acquirer_id  VARCHAR(11)  NOT NULL,
    mid          VARCHAR(15)  NOT NULL,
    merchant_id  VARCHAR(64)  NOT NULL,
    PRIMARY KEY (acquirer_id, mid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_merchant_mid_merchant ON merchant_mid (merchant_id);

CREATE TABLE offer (
    offer_id     VARCHAR(64)  NOT NULL PRIMARY KEY,
    merchant_id  VARCHAR(64),
    status       VARCHAR(16)  NOT NULL,
    definition   TEXT         NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    row_version  BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_offer_merchant ON offer (merchant_id);
