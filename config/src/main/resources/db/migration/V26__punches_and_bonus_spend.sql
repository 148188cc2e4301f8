-- Punch cards and spend thresholds through the store (issue 17 items 4 and 7). V26 is this branch's number.
--
-- punch: one row per qualifying visit of a card to a PUNCH_CARD offer (the message that made it), whatever else the
-- purchase earned. A card's punches are its rows with removed_at NULL (an indexed count); a refund or reversal of the
-- whole visit sets removed_at and removed_by (the refund's or reversal's message), so it finds the right row by the
-- visit's keys (lifecycle: token|DE37|DE38, rrn: token|DE37) and nothing is deleted.
CREATE TABLE punch (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    card_id         BIGINT       NOT NULL,
    offer_id        VARCHAR(64)  NOT NULL,
    message_id      BIGINT       NOT NULL,
    lifecycle_key   VARCHAR(100) NOT NULL,
    rrn_key         VARCHAR(80),
    purchase_minor  BIGINT       NOT NULL,
    currency        CHAR(3)      NOT NULL,
    local_date      DATE         NOT NULL,
    punched_at      DATETIME(6)  NOT NULL,
    removed_at      DATETIME(6),
    removed_by      BIGINT,
    CONSTRAINT uk_punch_visit UNIQUE (offer_id, message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_punch_card ON punch (card_id, offer_id, removed_at);
CREATE INDEX ix_punch_lifecycle ON punch (lifecycle_key);
CREATE INDEX ix_punch_rrn ON punch (rrn_key);

-- bonus_spend: qualifying spend toward a SPEND_THRESHOLD offer, per card, offer and period (period_key as
-- rewards.matching.Periods spells it: 'MONTH:2026-11-01'), in minor units of the offer's currency. A purchase adds
-- a row of its base (message_id = purchase_message_id); a refund or reversal adds a negative row for the share it
-- took back (message_id its own, purchase_message_id the purchase's). The card's spend is the sum of its rows.
CREATE TABLE bonus_spend (
    id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    card_id              BIGINT       NOT NULL,
    offer_id             VARCHAR(64)  NOT NULL,
    period_key           VARCHAR(24)  NOT NULL,
    message_id           BIGINT       NOT NULL,
    purchase_message_id  BIGINT       NOT NULL,
    lifecycle_key        VARCHAR(100) NOT NULL,
    rrn_key              VARCHAR(80),
    base_minor           BIGINT       NOT NULL,
    purchase_minor       BIGINT       NOT NULL,
    currency             CHAR(3)      NOT NULL,
    local_date           DATE         NOT NULL,
    created_at           DATETIME(6)  NOT NULL,
    CONSTRAINT uk_bonus_spend UNIQUE (offer_id, message_id, purchase_message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_bonus_spend_card ON bonus_spend (card_id, offer_id, period_key);
CREATE INDEX ix_bonus_spend_lifecycle ON bonus_spend (lifecycle_key);
CREATE INDEX ix_bonus_spend_rrn ON bonus_spend (rrn_key);

-- Until V26 a card's punches were its live rewards of the punch card offer (a reward of 0 on each visit that did not
-- complete the card): each becomes one punch, so no card loses its progress.
INSERT IGNORE INTO punch (card_id, offer_id, message_id, lifecycle_key, rrn_key, purchase_minor, currency, local_date,
                          punched_at)
SELECT r.card_id, r.offer_id, r.source_message_id, r.lifecycle_key, r.rrn_key, r.purchase_minor, r.base_currency,
       r.local_date, r.purchased_at
FROM reward r JOIN offer o ON o.offer_id = r.offer_id
WHERE JSON_VALUE(o.definition, '$.reward.type') = 'PUNCH_CARD' AND r.status NOT IN ('REVERSED', 'EXPIRED', 'REJECTED');
