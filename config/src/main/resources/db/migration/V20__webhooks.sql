-- Issuer webhooks (webhooks.md, issue 16). An issuer's endpoints, the events (an outbox written in the same
-- transaction as the change that raised them: a rolled-back change raises nothing, a node that dies after the commit
-- loses nothing), and one delivery per event and subscribed endpoint, worked by every node's dispatcher.

-- Signing secrets are kept encrypted (AES-GCM under a key derived from the node's PAN token key), never in clear.
-- During a rotation the previous secret signs too, until previous_until.
CREATE TABLE webhook_endpoint (
    id              VARCHAR(32)   NOT NULL PRIMARY KEY,
    issuer_id       VARCHAR(16)   NOT NULL,
    url             VARCHAR(2048) NOT NULL,
    events          VARCHAR(1024) NOT NULL,
    description     VARCHAR(256),
    enabled         BOOLEAN       NOT NULL,
    disabled_reason VARCHAR(256),
    secret_enc      VARBINARY(128) NOT NULL,
    previous_enc    VARBINARY(128),
    previous_until  DATETIME(6),
    failing_since   DATETIME(6),
    created_at      DATETIME(6)   NOT NULL,
    updated_at      DATETIME(6)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_webhook_endpoint_issuer ON webhook_endpoint (issuer_id, enabled);

-- seq orders events as they were committed; a card's events are delivered in that order.
CREATE TABLE webhook_event (
    seq         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id          VARCHAR(32)  NOT NULL,
    issuer_id   VARCHAR(16)  NOT NULL,
    card_id     BIGINT,
    type        VARCHAR(32)  NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    body        MEDIUMTEXT   NOT NULL,
    CONSTRAINT uk_webhook_event_id UNIQUE (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per event and subscribed endpoint; its public id is the event's id under the endpoint.
-- status: PENDING (to send; next_attempt_at is when, NULL for at once: a new or replayed delivery is due whatever
-- the clock of the transaction that raised it said), DELIVERED, DEAD (4xx, or retried past the retry period).
-- card_key is the card's id, or 0 for events of no card, so "the oldest undelivered delivery of this endpoint and
-- card" is one index range.
CREATE TABLE webhook_delivery (
    endpoint_id      VARCHAR(32)  NOT NULL,
    event_seq        BIGINT       NOT NULL,
    card_key         BIGINT       NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    attempts         INT          NOT NULL,
    next_attempt_at  DATETIME(6),
    first_attempt_at DATETIME(6),
    last_attempt_at  DATETIME(6),
    last_status      INT,
    last_error       VARCHAR(256),
    delivered_at     DATETIME(6),
    created_at       DATETIME(6)  NOT NULL,
    PRIMARY KEY (endpoint_id, event_seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_webhook_delivery_due ON webhook_delivery (status, next_attempt_at);
CREATE INDEX ix_webhook_delivery_card ON webhook_delivery (endpoint_id, card_key, status, event_seq);
CREATE INDEX ix_webhook_delivery_event ON webhook_delivery (event_seq);
