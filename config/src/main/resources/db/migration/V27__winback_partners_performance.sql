-- Issue 17 (items 5, 6 and 8): partners that fund offers and their settlement invoices, win-back campaigns and
-- the cards they enrolled, and an index that keeps per-merchant lapse and spend reads on a range.

CREATE TABLE partner (
    partner_id        VARCHAR(64)   NOT NULL PRIMARY KEY,
    name              VARCHAR(200)  NOT NULL,
    kind              VARCHAR(16)   NOT NULL,
    billing_currency  VARCHAR(3)    NOT NULL,
    fee_bps           INT           NOT NULL,
    contact           VARCHAR(200),
    created_at        DATETIME(6)   NOT NULL,
    updated_at        DATETIME(6)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE partner_invoice (
    invoice_id    VARCHAR(80)   NOT NULL PRIMARY KEY,
    partner_id    VARCHAR(64)   NOT NULL,
    period_start  DATE          NOT NULL,
    period_end    DATE          NOT NULL,
    file_name     VARCHAR(120)  NOT NULL,
    body          TEXT          NOT NULL,
    created_at    DATETIME(6)   NOT NULL,
    CONSTRAINT uk_partner_invoice UNIQUE (partner_id, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One campaign per offer: the offer (activation required) is what a lapsed card is enrolled into.
CREATE TABLE winback_campaign (
    campaign_id   VARCHAR(40)   NOT NULL PRIMARY KEY,
    offer_id      VARCHAR(64)   NOT NULL,
    lapse_days    INT           NOT NULL,
    created_at    DATETIME(6)   NOT NULL,
    CONSTRAINT uk_winback_campaign_offer UNIQUE (offer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every enrolment (source WIN_BACK) with when the card was last seen; a card is enrolled again only after
-- valid_until of its latest enrolment.
CREATE TABLE winback_enrollment (
    campaign_id   VARCHAR(40)   NOT NULL,
    card_id       BIGINT        NOT NULL,
    enrolled_at   DATETIME(6)   NOT NULL,
    valid_until   DATETIME(6)   NOT NULL,
    lapsed_since  DATETIME(6)   NOT NULL,
    PRIMARY KEY (campaign_id, card_id, enrolled_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Purchases at one merchant over a time range (offer performance) and per card (lapse detection).
CREATE INDEX ix_match_outcome_merchant ON match_outcome (merchant_id, purchased_at, card_id);

-- Activations of one offer (offer performance: how many, since when).
CREATE INDEX ix_offer_activation_offer ON offer_activation (offer_id, activated_at);
