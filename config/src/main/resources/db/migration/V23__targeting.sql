-- Targeting (issue 17). An offer's targeting (issuers, BIN ranges, tiers, early access, countries, cities) is part
-- of its definition, the validated JSON document the offer table stores like every other offer field, and is read
-- with it into the catalog snapshot the matcher compiles; it needs no columns of its own. What it needs here:

-- A card's BIN: the first 8 digits of its PAN, recorded at enrollment (a BIN may be stored; never more of the PAN).
-- NULL for cards enrolled before this version until they are enrolled again: such a card is in no BIN range.
ALTER TABLE card ADD COLUMN bin CHAR(8) NULL;

-- Segments: lists of cards an issuer or a merchant uploads, named by offers' targeting. Exactly one owner.
CREATE TABLE segment (
    id                 VARCHAR(32)  NOT NULL PRIMARY KEY,
    name               VARCHAR(100) NOT NULL,
    owner_issuer_id    VARCHAR(16),
    owner_merchant_id  VARCHAR(64),
    created_at         DATETIME(6)  NOT NULL,
    CONSTRAINT ck_segment_one_owner CHECK ((owner_issuer_id IS NULL) <> (owner_merchant_id IS NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_segment_issuer ON segment (owner_issuer_id);

-- Membership. The primary key lists and counts a segment's cards; ix_segment_member_card answers "which of these
-- cards are in which segments" for a whole matcher batch in one range read per card.
CREATE TABLE segment_member (
    segment_id  VARCHAR(32)  NOT NULL,
    card_id     BIGINT       NOT NULL,
    added_at    DATETIME(6)  NOT NULL,
    PRIMARY KEY (segment_id, card_id),
    CONSTRAINT fk_segment_member_segment FOREIGN KEY (segment_id) REFERENCES segment (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX ix_segment_member_card ON segment_member (card_id, segment_id);
