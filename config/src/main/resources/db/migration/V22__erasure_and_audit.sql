-- Card erasure and the audit log (issue 16 item 4). V21 is left free for a migration of another branch.
--
-- Erasure keeps the card row (its public id names the card in the books, the card.erased event and the audit log)
-- but forgets the person: the account reference, last name and airline member become NULL, the last four '****',
-- and the PAN token a random value (card_message and reward keys too), so the number enrolled again is a new card.
ALTER TABLE card MODIFY account_ref VARCHAR(64) NULL;
ALTER TABLE card MODIFY last_name VARCHAR(64) NULL;
ALTER TABLE card ADD COLUMN erased_at DATETIME(6) NULL;

-- Every change to merchants, offers, enrollments, webhook endpoints and exceptions: who (the API key's or console
-- session's key name, or cli), what, on which resource, of which issuer. details is a JSON object that never holds
-- a PAN, a token, a secret or a cardholder's personal fields, so erasure leaves this table as it is.
-- seq orders the export; id is the row's public id (ids.Ids, letters only).
CREATE TABLE audit_log (
    seq            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id             VARCHAR(32)   NOT NULL,
    at             DATETIME(6)   NOT NULL,
    actor          VARCHAR(64)   NOT NULL,
    action         VARCHAR(40)   NOT NULL,
    resource_type  VARCHAR(24)   NOT NULL,
    resource_id    VARCHAR(80)   NOT NULL,
    issuer_id      VARCHAR(16),
    details        VARCHAR(4000) NOT NULL,
    CONSTRAINT uk_audit_log_id UNIQUE (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_audit_log_at ON audit_log (at, seq);
CREATE INDEX ix_audit_log_type ON audit_log (resource_type, at, seq);
